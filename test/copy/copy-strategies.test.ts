// How blobs move: mounts inside a registry and from KV memory, chunked uploads, platform subsets, unwrap,
// many tags, and the three response formats.

import { describe, expect, inject, it } from 'vitest';
import { blobTraffic, judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { MemoryKv } from '../../src/kv/memory.js';
import { computeDigest } from '../../src/registry/digest.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const multiarch = fixture.skopeo.anonymous.multiarch!;
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const config = (extra: Record<string, unknown> = {}) => ({
  registries: { [source]: { insecure: true }, [target]: { insecure: true, ...extra } },
});

describe('mounts', () => {
  it('a copy inside one registry mounts every blob, and a later copy from elsewhere mounts from KV memory', async () => {
    const kv = new MemoryKv();
    const first = uniqueRepository('mount/first');
    const seed = makeService(config(), { kv });
    expect(
      (await runCopy(seed, { source: `${source}/ferry-test/multiarch:v1`, target: `${target}/${first}:v1` })).final
        .type,
    ).toBe('done');

    const second = uniqueRepository('mount/second');
    const same = makeService(config(), { kv });
    const run = await runCopy(same, { source: `${target}/${first}:v1`, target: `${target}/${second}:v1` });
    expect(run.final.type, JSON.stringify(run.final)).toBe('done');
    const planned = run.events.find((e) => e.type === 'plan').blobs;
    expect(run.events.filter((e) => e.type === 'mounted')).toHaveLength(planned);
    expect(blobTraffic(same).gets).toBe(0);

    // From the other registry into a third repository: Ferry remembers where the target already has each blob.
    const third = uniqueRepository('mount/third');
    const remembered = makeService(config(), { kv });
    const again = await runCopy(remembered, {
      source: `${source}/ferry-test/multiarch:v1`,
      target: `${target}/${third}:v1`,
    });
    expect(again.final.type).toBe('done');
    const mounted = again.events.filter((e) => e.type === 'mounted');
    expect(mounted).toHaveLength(planned);
    expect(mounted.every((e) => e.from.startsWith(`${target}/mount/`))).toBe(true);
    expect(blobTraffic(remembered).gets).toBe(0);
    expect((await judge(fixture.judge, 'copy-all', `${target}/${third}:v1`)).ok).toBe(true);
  });
});

describe('chunked uploads', () => {
  it('PATCHes Content-Range chunks when the target profile asks for it', async () => {
    const repository = uniqueRepository('chunked/app');
    const service = makeService(config({ upload: { mode: 'chunked', chunkSize: 1024 } }));
    const run = await runCopy(service, {
      source: `${source}/ferry-test/attested:v1`,
      target: `${target}/${repository}:v1`,
      verify: true,
    });
    expect(run.final.type, JSON.stringify(run.final)).toBe('done');
    const patches = service.requests.filter((r) => r.method === 'PATCH');
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.every((p) => /^\d+-\d+$/.test(p.headers['content-range'] ?? ''))).toBe(true);
    expect((await judge(fixture.judge, 'copy-all', `${target}/${repository}:v1`)).ok).toBe(true);
  });

  it('splits a blob larger than the chunk size into several PATCHes', async () => {
    const repository = uniqueRepository('chunked/big');
    const chunk = 1024 * 1024;
    const service = makeService(config({ upload: { mode: 'chunked', chunkSize: chunk } }));
    const run = await runCopy(service, {
      source: `${source}/ferry-test/large:v1`,
      target: `${target}/${repository}:v1`,
    });
    expect(run.final.type, JSON.stringify(run.final)).toBe('done');
    const biggest = Math.max(...run.events.filter((e) => e.type === 'started').map((e) => e.size));
    expect(biggest).toBeGreaterThan(3 * chunk);
    const ranges = service.requests.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-range']);
    expect(ranges).toContain(`0-${chunk - 1}`);
    expect(ranges).toContain(`${chunk}-${2 * chunk - 1}`);
    expect(ranges).toContain(`${3 * chunk}-${biggest - 1}`);
    expect((await judge(fixture.judge, 'copy-all', `${target}/${repository}:v1`)).ok).toBe(true);
  });
});

describe('platforms', () => {
  it('a subset builds a new index of exactly those platforms and reports its digest', async () => {
    const repository = uniqueRepository('subset/app');
    const service = makeService(config());
    const run = await runCopy(service, {
      source: `${source}/ferry-test/multiarch:v1`,
      target: `${target}/${repository}:v1`,
      platforms: ['linux/arm64'],
    });
    expect(run.final.type, JSON.stringify(run.final)).toBe('done');
    const result = run.final.result;
    expect(result.indexDigestChanged).toBe(true);
    expect(result.digest).not.toBe(multiarch.digest);
    expect(result.platforms).toEqual(['linux/arm64/v8']);
    const raw = await judge(fixture.judge, 'raw', `${target}/${repository}:v1`);
    const bytes = fromBase64(raw.raw!);
    expect(await computeDigest(bytes)).toBe(result.digest);
    const index = JSON.parse(new TextDecoder().decode(bytes));
    const original = JSON.parse(new TextDecoder().decode(fromBase64(multiarch.raw)));
    expect(index.manifests).toEqual(original.manifests.filter((m: any) => m.platform.architecture === 'arm64'));
    expect((await judge(fixture.judge, 'copy-all', `${target}/${repository}:v1`)).ok).toBe(true);
  });

  it('unwrap tags the one platform manifest itself', async () => {
    const repository = uniqueRepository('unwrap/app');
    const service = makeService(config());
    const run = await runCopy(service, {
      source: `${source}/ferry-test/multiarch:v1`,
      target: `${target}/${repository}:v1`,
      platforms: ['linux/amd64'],
      unwrap: true,
    });
    expect(run.final.type).toBe('done');
    const amd64 = JSON.parse(new TextDecoder().decode(fromBase64(multiarch.raw))).manifests.find(
      (m: any) => m.platform.architecture === 'amd64',
    );
    expect(run.final.result).toMatchObject({
      digest: amd64.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      platforms: ['linux/amd64'],
    });
    const raw = await judge(fixture.judge, 'raw', `${target}/${repository}:v1`);
    expect(await computeDigest(fromBase64(raw.raw!))).toBe(amd64.digest);
  });

  it('a platform the source lacks is PLATFORM_NOT_FOUND, and nothing is tagged', async () => {
    const repository = uniqueRepository('subset/none');
    const service = makeService(config());
    const run = await runCopy(service, {
      source: `${source}/ferry-test/multiarch:v1`,
      target: `${target}/${repository}:v1`,
      platforms: ['linux/riscv64'],
    });
    expect(run.final).toMatchObject({ type: 'error', code: 'PLATFORM_NOT_FOUND' });
    expect((await judge(fixture.judge, 'raw', `${target}/${repository}:v1`)).ok).toBe(false);
  });
});

describe('many tags', () => {
  it('copies every tag matching a pattern, one result per tag', async () => {
    const repository = uniqueRepository('sync/nested');
    const service = makeService(config());
    const run = await runCopy(
      service,
      { source: `${source}/ferry-test/nested`, target: `${target}/${repository}`, tags: { regex: '^part-' } },
      'application/json',
    );
    expect(run.status).toBe(200);
    expect(run.final.results.map((r: any) => r.tags)).toEqual([['part-inner'], ['part-s390x']]);
    for (const tag of ['part-inner', 'part-s390x'])
      expect((await judge(fixture.judge, 'raw', `${target}/${repository}:${tag}`)).ok).toBe(true);
    expect((await judge(fixture.judge, 'raw', `${target}/${repository}:v1`)).ok).toBe(false);
  });
});

describe('response formats and input', () => {
  it('application/json returns the result alone; text/event-stream sends SSE ending in done', async () => {
    const json = await runCopy(
      makeService(config()),
      { source: `${source}/ferry-test/v2s2:v1`, target: `${target}/${uniqueRepository('fmt/json')}:v1` },
      'application/json',
    );
    expect(json.status).toBe(200);
    expect(json.final).toMatchObject({ digest: fixture.skopeo.anonymous.v2s2!.digest, tags: ['v1'] });

    const service = makeService(config());
    const res = await service.app.request('/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        source: `${source}/ferry-test/v2s2:v1`,
        target: `${target}/${uniqueRepository('fmt/sse')}:v1`,
      }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = new TextDecoder().decode(await res.arrayBuffer());
    expect(text).toMatch(/^event: resolved\ndata: \{/);
    expect(text.trimEnd().split('\n\n').pop()).toMatch(/^event: done\ndata: \{"type":"done","result":/);
  });

  it.each([
    [{ target: 'a/b:c' }, '"source"'],
    [{ source: 'a/b:c', target: 'a/b:c', platforms: 'linux' }, '"platforms"'],
    [{ source: 'a/b:c', target: 'a/b:c', tags: [1] }, '"tags"'],
    [{ source: 'a/b:c', target: 'a/b:c', extra: true }, 'unknown field'],
  ])('refuses %j with INVALID_REQUEST', async (body, why) => {
    const run = await runCopy(makeService(config()), body, 'application/json');
    expect(run.status).toBe(400);
    expect(run.final.code).toBe('INVALID_REQUEST');
    expect(run.final.detail).toContain(why);
  });

  it('refuses a digest target that does not restate the source digest (a digest source lands untagged: copy-by-digest-untagged)', async () => {
    const digest = multiarch.digest;
    const a = await runCopy(
      makeService(config()),
      { source: `${source}/ferry-test/multiarch:v1`, target: `${target}/x@${digest}` },
      'application/json',
    );
    expect(a.final.code).toBe('INVALID_REQUEST');
  });
});
