// Copies between the token-auth registries for the token single-flight tests: a target seeded under 32
// tags, then warm copies that differ only in their token needs (32 cold pushes of one manifest at once
// trip distribution 2.8.2's own write race).

import { expect } from 'vitest';
import type { Fixture } from './fixture.js';

export const COPIES = 32;
const tags = Array.from({ length: COPIES }, (_, i) => `t${i}`);

export const tokenConfig = (fixture: Fixture) => ({
  registries: Object.fromEntries(
    [fixture.registries.token, fixture.targets.token].map((r) => [
      r.host,
      { insecure: true, authHosts: r.authHosts, credentials: { username: r.username, password: r.password } },
    ]),
  ),
});

export async function seedTarget(
  copy: (body: unknown) => Response | Promise<Response>,
  fixture: Fixture,
  repository: string,
): Promise<void> {
  const seeded = await copy({
    source: `${fixture.registries.token.host}/ferry-test/v2s2:v1`,
    target: `${fixture.targets.token.host}/${repository}:${tags[0]}`,
    tags: tags.slice(1),
  });
  expect(seeded.status, await seeded.clone().text()).toBe(200);
}

export const warmCopy = (fixture: Fixture, repository: string, i: number) => ({
  source: `${fixture.registries.token.host}/ferry-test/v2s2:v1`,
  target: `${fixture.targets.token.host}/${repository}:${tags[i]}`,
});
