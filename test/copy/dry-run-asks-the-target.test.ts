// A copy's dry run asks the target, as the copy would (user-experience review v2, friction 4): the digest the
// target's tags will name (the real run writes that one, whatever platforms it takes), whether the tags name
// it already, and each blob as copied, mounted or already there, with their bytes. It writes nothing.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { localRegistries } from '../support/configs.js';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const multiarch = fixture.skopeo.anonymous.multiarch!;
const index = JSON.parse(atob(multiarch.raw)) as {
  manifests: { digest: string; platform: { architecture: string } }[];
};
const amd64 = index.manifests.find((m) => m.platform.architecture === 'amd64')!.digest;

const service = () => makeService({ registries: localRegistries(source, target) });

async function dryRun(s: ReturnType<typeof service>, body: Record<string, unknown>) {
  const res = await s.app.request('/v1/copy/dry-run', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function tagsAt(repository: string): Promise<string[]> {
  const res = await fetch(`http://${target}/v2/${repository}/tags/list`);
  return res.ok ? (((await res.json()) as { tags: string[] | null }).tags ?? []) : [];
}

it('names the digest the copy writes and each blob it moves, then, once copied, that all is there', async () => {
  const s = service();
  const repository = uniqueRepository('dry/app');
  const body = { source: `${source}/ferry-test/multiarch:v1`, target: `${target}/${repository}:v1` };
  const before = await dryRun(s, body);
  expect(before.status, JSON.stringify(before.body)).toBe(200);
  expect(before.body).toMatchObject({ digest: multiarch.digest, upToDate: false, tags: ['v1'] });
  expect(before.body.platforms.length).toBeGreaterThan(1);
  expect(before.body.blobs.length).toBeGreaterThan(0);
  expect(before.body.blobs.every((b: { action: string }) => b.action === 'copy')).toBe(true);
  expect(before.body.bytes.copy).toBe(before.body.blobs.reduce((n: number, b: { size: number }) => n + b.size, 0));
  expect(await tagsAt(repository)).toEqual([]); // nothing written

  const copied = await runCopy(s, body, 'application/json');
  expect(copied.status).toBe(200);
  expect(copied.final.digest).toBe(before.body.digest);

  const after = await dryRun(s, body);
  expect(after.body).toMatchObject({ digest: multiarch.digest, upToDate: true, bytes: { copy: 0, mount: 0 } });
  expect(after.body.blobs.every((b: { action: string }) => b.action === 'skip')).toBe(true);
  // Into another repository of that registry, the blobs the first copy placed are mounted.
  const elsewhere = await dryRun(s, { ...body, target: `${target}/${uniqueRepository('dry/other')}:v1` });
  expect(elsewhere.body.upToDate).toBe(false);
  expect(elsewhere.body.blobs.some((b: { action: string }) => b.action === 'mount')).toBe(true);
});

it('with platforms, names the digest the real run writes: the platform image itself, or a new index', async () => {
  const s = service();
  const from = `${source}/ferry-test/multiarch:v1`;
  const unwrapped = {
    source: from,
    target: `${target}/${uniqueRepository('dry/amd')}:v1`,
    platforms: ['linux/amd64'],
    unwrap: true,
  };
  const dry = await dryRun(s, unwrapped);
  expect(dry.body.digest).toBe(amd64);
  expect((await runCopy(s, unwrapped, 'application/json')).final.digest).toBe(amd64);

  const subset = { source: from, target: `${target}/${uniqueRepository('dry/subset')}:v1`, platforms: ['linux/amd64'] };
  const planned = await dryRun(s, subset);
  expect(planned.body).toMatchObject({ indexDigestChanged: true, platforms: ['linux/amd64'] });
  expect(planned.body.digest).not.toBe(multiarch.digest);
  expect((await runCopy(s, subset, 'application/json')).final.digest).toBe(planned.body.digest);
});

it('is refused for many tags (a sync lists their tags instead)', async () => {
  const s = service();
  const many = await dryRun(s, { source: `${source}/ferry-test/multiarch`, target: `${target}/x/y`, tags: 'all' });
  expect([many.status, many.body.code]).toEqual([400, 'INVALID_REQUEST']);
});

it('asks what a copy asks of the caller: inspect on the source and copy on the target', async () => {
  const sha256 = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
  const s = makeService({
    registries: localRegistries(source, target),
    callers: {
      apiKeys: [{ name: 'reader', sha256: await sha256('reader-key') }],
      grants: [
        { apiKey: 'reader', actions: ['inspect'], repositories: [`${source}/**`] },
        { apiKey: 'reader', actions: ['copy'], repositories: [`${target}/mine/**`] },
      ],
    },
  });
  const ask = async (to: string) =>
    (
      await s.app.request('/v1/copy/dry-run', {
        method: 'POST',
        headers: { authorization: 'Bearer reader-key', 'content-type': 'application/json' },
        body: JSON.stringify({ source: `${source}/ferry-test/v2s2:v1`, target: `${target}/${to}:v1` }),
      })
    ).status;
  expect(await ask('mine/app')).toBe(200);
  expect(await ask('theirs/app')).toBe(403);
});
