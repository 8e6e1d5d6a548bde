// A job's chunked uploads record where they stand with few state calls (issue 30): 50 jobs copying at once
// into one registry, each its own blob in chunks. Into distribution, whose upload URL carries the upload's
// state and changes with every chunk, a record is written at each chunk, one call (the version is known, so
// no read); into go-containerregistry, whose URL stays, every 8 chunks or 5 s at most. Records sit in a
// group per target repository. A copy in a request records nothing: no later run could resume it.

import { beforeAll, expect, inject, it } from 'vitest';
import { makeState } from '@test-runtime';
import type { StateStore } from '../../src/state/store.js';
import { pushBlob, pushManifest } from '../support/cosign-signing.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const COPIES = 50;
const CHUNK = 256 * 1024;
const LAYER = 1024 * 1024 + 4096; // five chunks

const images: string[] = [];

beforeAll(async () => {
  const config = new TextEncoder().encode(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: {} }));
  const repository = `uploads/${uniqueRepository('many')}`;
  const configDigest = await pushBlob(source, repository, config);
  for (let start = 0; start < COPIES; start += 10)
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const layer = crypto.getRandomValues(new Uint8Array(65536)); // 64 KiB of noise, repeated
        const bytes = new Uint8Array(LAYER);
        for (let at = 0; at < LAYER; at += layer.length) bytes.set(layer.subarray(0, LAYER - at), at);
        const tag = `v${start + i}`;
        await pushManifest(source, repository, tag, {
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
          layers: [
            {
              mediaType: 'application/vnd.oci.image.layer.v1.tar',
              digest: await pushBlob(source, repository, bytes),
              size: bytes.length,
            },
          ],
        });
        images.push(`${source}/${repository}:${tag}`);
      }),
    );
}, 120_000);

/** The store, counting calls on upload records, and the groups they were in. */
function counted(inner: StateStore) {
  const seen = { calls: 0, groups: new Set<string>() };
  const count = (key: string) => {
    if (!key.startsWith('uploads:')) return;
    seen.calls++;
    seen.groups.add(key.slice(0, key.indexOf('|')));
  };
  const store: StateStore = {
    get: (key) => (count(key), inner.get(key)),
    create: (key, value, options) => (count(key), inner.create(key, value, options)),
    update: (key, version, value, options) => (count(key), inner.update(key, version, value, options)),
    delete: (key) => (count(key), inner.delete(key)),
    list: (prefix, options) => (count(prefix), inner.list(prefix, options)),
    jobIndex: inner.jobIndex,
  };
  return { store, seen };
}

it.each([
  // [name, target, state calls a chunk, state calls a blob besides]
  ['distribution 2.8 (a new upload URL each chunk)', () => fixture.targets.anonymous.host, 1, 2],
  ['go-containerregistry (one upload URL)', () => fixture.implementations['go-containerregistry'].host, 0, 3],
])(
  '50 chunked job copies into %s: state calls stay within the bound per chunk',
  async (_name, targetOf, perChunk, perBlob) => {
    const target = targetOf();
    const { store, seen } = counted(makeState());
    const svc = makeService(
      {
        registries: {
          [source]: { insecure: true },
          [target]: { insecure: true, upload: { mode: 'chunked', chunkSize: CHUNK } },
        },
        jobs: { concurrency: COPIES, tenantConcurrency: COPIES, registryConcurrency: COPIES },
      },
      { jobs: true, state: store },
    );
    const ids = await Promise.all(
      images.map(async (image) => {
        const res = await svc.app.request('/v1/copy', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ source: image, target: `${target}/${uniqueRepository('uploads')}:v1`, wait: false }),
        });
        expect(res.status).toBe(202);
        return ((await res.json()) as { id: string }).id;
      }),
    );
    for (const id of ids) expect((await waitForJob(svc, id, {}, 120)).state).toBe('done');
    const patches = svc.requests.filter((r) => r.method === 'PATCH' && r.url.includes(target)).length;
    expect(patches).toBeGreaterThanOrEqual(COPIES * 4);
    // Two blobs a copy (its config, in one chunk, and its layer): a read for a recorded session, the record
    // written on the first chunk, and deleted at the end.
    const bound = perChunk * patches + perBlob * 2 * COPIES;
    console.log(`${_name}: ${patches} chunks, ${seen.calls} upload state calls (bound ${bound})`);
    expect(seen.calls).toBeLessThanOrEqual(bound);
    // A group per target repository: 50 copies into 50 repositories spread over 50 objects.
    expect(seen.groups.size).toBe(COPIES);
  },
  240_000,
);

it('a chunked copy in a request records no upload state', async () => {
  const target = fixture.targets.anonymous.host;
  const { store, seen } = counted(makeState());
  const svc = makeService(
    {
      registries: {
        [source]: { insecure: true },
        [target]: { insecure: true, upload: { mode: 'chunked', chunkSize: CHUNK } },
      },
    },
    { state: store },
  );
  const res = await svc.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: images[0], target: `${target}/${uniqueRepository('uploads-sync')}:v1` }),
  });
  expect(res.status).toBe(200);
  expect(svc.requests.filter((r) => r.method === 'PATCH').length).toBeGreaterThanOrEqual(4);
  expect(seen.calls).toBe(0);
});
