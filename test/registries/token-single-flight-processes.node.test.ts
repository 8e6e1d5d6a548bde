// Two Node processes sharing one state directory (one SQLite store) share token exchanges too: 16 copies
// in each, all needing one scope, make one token request between them.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { uniqueRepository } from '../support/copying.js';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';
import { tokenRequestScopes } from '../support/token-log.js';
import { seedTarget, tokenConfig, warmCopy } from '../support/token-copies.js';

const fixture = inject('fixture');
const stateDir = mkdtempSync(join(tmpdir(), 'ferry-shared-state-'));
const seederDir = mkdtempSync(join(tmpdir(), 'ferry-seeder-state-'));
const running: FerryProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  for (const dir of [stateDir, seederDir]) rmSync(dir, { recursive: true, force: true });
});

const post = (base: string) => (body: unknown) =>
  fetch(`${base}/v1/copy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

it('two processes on one SQLite store, 16 copies each, fetch one token for the shared scope', async () => {
  const config = { ...tokenConfig(fixture), callers: { anonymous: true } };
  // One after the other: each start compiles the entries into the same folder.
  running.push(await startFerry(config, {}, stateDir, 'node'));
  running.push(await startFerry(config, {}, stateDir, 'node'));
  const repository = uniqueRepository('tokens/processes');
  // Seeded by a third process of its own, so the two start with nothing cached.
  const seeder = await startFerry(config, {}, seederDir, 'node');
  try {
    await seedTarget(post(seeder.base), fixture, repository);
  } finally {
    await seeder.stop();
  }
  const before = (await tokenRequestScopes(fixture.token.server, repository)).length;
  const answers = await Promise.all(
    Array.from({ length: 32 }, async (_, i) => {
      const r = await post(running[i % 2]!.base)(warmCopy(fixture, repository, i));
      return `${r.status} ${r.status === 200 ? '' : await r.text()}`;
    }),
  );
  expect(
    answers.filter((a) => !a.startsWith('200')),
    running.map((p) => p.output()).join('\n'),
  ).toEqual([]);
  expect((await tokenRequestScopes(fixture.token.server, repository)).slice(before)).toEqual([
    `repository:${repository}:pull`,
  ]);
}, 120_000);
