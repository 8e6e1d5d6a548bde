// Security review B5: Ferry remembers which repositories of a target registry hold an image and mounts its
// blobs from there. A caller who could name that image (a manifest on a registry it controls) got team-b's
// layers mounted into its own repository, with Ferry's credentials, and the source never served a byte.
// A mount now comes only from a repository the caller may read; otherwise the blob is streamed from the source.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { judge, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const proxy = fixture.faultProxy;
const V2S2 = fixture.skopeo.anonymous.v2s2!;

const hash = async (key: string) => (await computeDigest(new TextEncoder().encode(key))).slice(7);
// The fixture keeps raw manifests as base64: the fault argument is base64url of the same bytes.
const base64url = (base64: string) => base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

it('a caller never gets a blob mounted from a repository it may not read; from its own, it does', async () => {
  const teamA = uniqueRepository('team-a');
  const teamB = uniqueRepository('team-b');
  const service = makeService({
    registries: {
      [source]: { insecure: true },
      [target]: { insecure: true },
      // A registry team-a controls, serving team-b's manifest bytes under its own name, and none of its blobs.
      [proxy]: {
        insecure: true,
        headers: { 'x-ferry-fault': 'hostile-manifest', 'x-ferry-fault-arg': base64url(V2S2.raw) },
      },
    },
    callers: {
      apiKeys: [
        { name: 'ka', sha256: await hash('ka-mount-key') },
        { name: 'kb', sha256: await hash('kb-mount-key') },
      ],
      grants: [
        {
          apiKey: 'ka',
          actions: ['inspect', 'copy'],
          repositories: [`${target}/${teamA}/**`, `${proxy}/**`, `${source}/**`],
        },
        { apiKey: 'kb', actions: ['inspect', 'copy'], repositories: [`${target}/${teamB}/**`, `${source}/**`] },
      ],
    },
  });
  const copy = async (key: string, body: unknown) => {
    const res = await service.app.request('/v1/copy', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await service.settle();
    return { status: res.status, body: (await res.json()) as any };
  };
  const mountsFrom = (repository: string) =>
    service.requests.filter((r) => r.url.includes('mount=') && new URL(r.url).searchParams.get('from') === repository);

  expect(
    (await copy('kb-mount-key', { source: `${source}/ferry-test/v2s2:v1`, target: `${target}/${teamB}/secret:v1` }))
      .status,
  ).toBe(200);

  const stolen = await copy('ka-mount-key', { source: `${proxy}/evil/app:v1`, target: `${target}/${teamA}/loot:v1` });
  expect(stolen.status).not.toBe(200);
  expect(mountsFrom(`${teamB}/secret`)).toEqual([]);
  expect((await judge(fixture.judge, 'raw', `${target}/${teamA}/loot:v1`)).error).toBeTruthy();

  // Within its own grants the remembered location still saves the transfer. (A second later: KV takes one
  // write per second per key, and both copies remember the same image.)
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect(
    (await copy('ka-mount-key', { source: `${source}/ferry-test/v2s2:v1`, target: `${target}/${teamA}/one:v1` }))
      .status,
  ).toBe(200);
  const mounted = await copy('ka-mount-key', { source: `${proxy}/evil/app:v1`, target: `${target}/${teamA}/two:v1` });
  expect(mounted.status, JSON.stringify(mounted.body)).toBe(200);
  expect(mountsFrom(`${teamA}/one`).length).toBeGreaterThan(0);
  expect(mountsFrom(`${teamB}/secret`)).toEqual([]);
});
