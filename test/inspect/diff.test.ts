// GET /v1/diff/<ref>?to=<ref>: two releases built for it (test-images.ts: a shared base layer; b adds a
// platform, drops one, adds a layer and changes env, labels, entrypoint and ports), compared as a bot or
// the CLI would, with layer digests checked against skopeo's own view of each image.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;
const a = fixture.skopeo.anonymous['release-a']!;
const b = fixture.skopeo.anonymous['release-b']!;
const layersOf = (view: typeof a, platform: string) =>
  Object.values(view.images).find((i) => `${i.summary.Os}/${i.summary.Architecture}` === platform)!.summary.Layers!;

it('platforms added and removed; per platform, layers shared, added and removed with sizes; config changes', async () => {
  const service = makeService({ registries: localRegistries(host) });
  const res = await service.get(`/v1/diff/${host}/ferry-test/release-a:v1?to=${host}/ferry-test/release-b:v1`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const diff = res.body;
  expect(diff.from).toEqual({ reference: `${host}/ferry-test/release-a:v1@${a.digest}`, digest: a.digest });
  expect(diff.to.digest).toBe(b.digest);
  expect(diff.identical).toBe(false);
  expect(diff.platforms).toEqual({ added: ['linux/s390x'], removed: ['linux/arm64/v8'], common: ['linux/amd64'] });
  const [amd] = diff.images;
  const before = layersOf(a, 'linux/amd64');
  const after = layersOf(b, 'linux/amd64');
  expect(amd.layers.shared.map((l: any) => l.digest)).toEqual([before[0]]);
  expect(amd.layers.removed.map((l: any) => l.digest)).toEqual([before[1]]);
  expect(amd.layers.added.map((l: any) => l.digest)).toEqual([after[1], after[2]]);
  expect(amd.layers.addedBytes).toBe(amd.layers.added.reduce((n: number, l: any) => n + l.size, 0));
  expect(amd.layers.addedBytes).toBeGreaterThan(0);
  expect(amd.config).toEqual({
    env: { added: ['MODE=b', 'NEW=1'], removed: ['MODE=a'] },
    labels: { added: {}, removed: { team: 'core' }, changed: { version: { from: '1', to: '2' } } },
    exposedPorts: { added: ['9090/tcp'], removed: [] },
    entrypoint: { from: ['/app'], to: ['/app', '--serve'] },
  });
  // The same reference on both sides: identical, nothing changed.
  const same = await service.get(
    `/v1/diff/${host}/ferry-test/release-a:v1?to=${host}/ferry-test/release-a@${a.digest}`,
  );
  expect(same.body).toMatchObject({ identical: true, platforms: { added: [], removed: [] } });
  expect(same.body.images.every((i: any) => i.layers.added.length === 0 && i.layers.removed.length === 0)).toBe(true);
});

it('needs inspect on both references, and a "to"', async () => {
  const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
  const service = makeService({
    registries: localRegistries(host),
    callers: {
      apiKeys: [{ name: 'a-only', sha256: await hash('a-only-key') }],
      grants: [{ apiKey: 'a-only', actions: ['inspect'], repositories: [`${host}/ferry-test/release-a`] }],
    },
  });
  const auth = { authorization: 'Bearer a-only-key' };
  const refused = await service.get(
    `/v1/diff/${host}/ferry-test/release-a:v1?to=${host}/ferry-test/release-b:v1`,
    auth,
  );
  expect([refused.status, refused.body.code, refused.body.missingGrant]).toEqual([
    403,
    'FORBIDDEN',
    { action: 'inspect', repository: `${host}/ferry-test/release-b` },
  ]);
  const missing = await service.get(`/v1/diff/${host}/ferry-test/release-a:v1`, auth);
  expect([missing.status, missing.body.code]).toEqual([400, 'INVALID_REQUEST']);
});
