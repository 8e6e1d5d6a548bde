// The registry front (`/v2/`) serves what the upstream an alias names holds, as a registry would:
// manifests byte for byte with their digest and type, blobs streamed (a range as a 206), tag pages with
// `Link`, referrers as an index, and every error in the distribution spec's envelope.

import { afterEach, expect, inject, it } from 'vitest';
import { listAuditRecords } from '../../src/ops/audit.js';
import { computeDigest } from '../../src/registry/digest.js';
import { workersEdgeCache } from '../../adapters/cloudflare/edge-cache.js';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const v2s2 = fixture.skopeo.anonymous.v2s2!;
const raw = atob(v2s2.raw);

// Pulls by tag are audited after the answer: each test's services settle before the next test.
const made: { settle(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((s) => s.settle()));
});

function frontService() {
  return track(
    makeService({
      registries: localRegistries(source, target),
      front: { aliases: { local: { registry: source }, mirror: { registry: target, prefix: 'front' } } },
    }),
  );
}

function track<T extends { settle(): Promise<void> }>(service: T): T {
  made.push(service);
  return service;
}

const errorsOf = async (res: Response) => ((await res.json()) as { errors: { code: string }[] }).errors;

it('answers the ping as a registry: 200 with its API version', async () => {
  const res = await frontService().app.request('/v2/');
  expect(res.status).toBe(200);
  expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
});

it('serves a manifest by tag and by digest byte for byte, with its digest, type and length; HEAD without a body', async () => {
  const { app } = frontService();
  for (const reference of ['v1', v2s2.digest]) {
    const res = await app.request(`/v2/local/ferry-test/v2s2/manifests/${reference}`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(new TextDecoder().decode(bytes)).toBe(raw);
    expect(await computeDigest(bytes)).toBe(v2s2.digest);
    expect(res.headers.get('docker-content-digest')).toBe(v2s2.digest);
    expect(res.headers.get('content-type')).toBe(v2s2.mediaType);
    expect(res.headers.get('content-length')).toBe(String(bytes.byteLength));
    const head = await app.request(`/v2/local/ferry-test/v2s2/manifests/${reference}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(v2s2.digest);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  }
});

it('streams a blob whole, and a range of it as a 206; HEAD tells its size', async () => {
  const { app } = frontService();
  const manifest = JSON.parse(raw) as { config: { digest: string; size: number } };
  const { digest, size } = manifest.config;
  const whole = await app.request(`/v2/local/ferry-test/v2s2/blobs/${digest}`);
  expect(whole.status).toBe(200);
  const bytes = new Uint8Array(await whole.arrayBuffer());
  expect(await computeDigest(bytes)).toBe(digest);
  expect(whole.headers.get('docker-content-digest')).toBe(digest);

  const part = await app.request(`/v2/local/ferry-test/v2s2/blobs/${digest}`, { headers: { range: 'bytes=2-11' } });
  expect(part.status).toBe(206);
  expect(part.headers.get('content-range')).toBe(`bytes 2-11/${size}`);
  expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(2, 12));

  const head = await app.request(`/v2/local/ferry-test/v2s2/blobs/${digest}`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(head.headers.get('content-length')).toBe(String(size));
});

it('lists tags a page at a time, in lexical order, with a Link to the next page', async () => {
  const service = frontService();
  const repository = uniqueRepository('front/tags');
  for (const tag of ['a', 'b', 'c']) {
    const res = await service.app.request('/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${source}/ferry-test/v2s2:v1`, target: `${target}/front/${repository}:${tag}` }),
    });
    expect(res.status).toBe(200);
  }
  const first = await service.app.request(`/v2/mirror/${repository}/tags/list?n=2`);
  expect(first.status).toBe(200);
  expect(await first.json()).toEqual({ name: `mirror/${repository}`, tags: ['a', 'b'] });
  const link = first.headers.get('link');
  expect(link).toBe(`</v2/mirror/${repository}/tags/list?n=2&last=b>; rel="next"`);
  const second = await service.app.request(/<([^>]+)>/.exec(link!)![1]!);
  expect(await second.json()).toEqual({ name: `mirror/${repository}`, tags: ['c'] });
  expect(second.headers.get('link')).toBeNull();
  const all = await service.app.request(`/v2/mirror/${repository}/tags/list`);
  expect(((await all.json()) as { tags: string[] }).tags).toEqual(['a', 'b', 'c']);
});

it('answers referrers as an OCI index, empty when there are none', async () => {
  const res = await frontService().app.request(`/v2/local/ferry-test/v2s2/referrers/${v2s2.digest}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
  expect(await res.json()).toEqual({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [],
  });
});

it('answers every failure in the distribution envelope with the spec’s status', async () => {
  const { app } = frontService();
  const missing = `sha256:${'0'.repeat(64)}`;
  const cases: [string, RequestInit, number, string][] = [
    ['/v2/local/ferry-test/v2s2/manifests/no-such-tag', {}, 404, 'MANIFEST_UNKNOWN'],
    [`/v2/local/ferry-test/v2s2/manifests/${missing}`, {}, 404, 'MANIFEST_UNKNOWN'],
    [`/v2/local/ferry-test/v2s2/blobs/${missing}`, {}, 404, 'BLOB_UNKNOWN'],
    ['/v2/local/ferry-test/v2s2/blobs/sha256:short', {}, 400, 'DIGEST_INVALID'],
    ['/v2/nowhere/ferry-test/v2s2/manifests/v1', {}, 404, 'NAME_UNKNOWN'],
    ['/v2/local/ferry-test/v2s2/tags/list?n=x', {}, 400, 'PAGINATION_NUMBER_INVALID'],
    ['/v2/local/ferry-test/v2s2/manifests/v1', { method: 'PUT', body: '{}' }, 405, 'UNSUPPORTED'],
    ['/v2/local/ferry-test/v2s2/blobs/uploads/', { method: 'POST' }, 405, 'UNSUPPORTED'],
    [`/v2/local/ferry-test/v2s2/manifests/${v2s2.digest}`, { method: 'DELETE' }, 405, 'UNSUPPORTED'],
  ];
  for (const [path, init, status, code] of cases) {
    const res = await app.request(path, init);
    expect(res.status, `${init.method ?? 'GET'} ${path}`).toBe(status);
    expect((await errorsOf(res))[0]?.code, path).toBe(code);
  }
  const head = await app.request(`/v2/local/ferry-test/v2s2/blobs/${missing}`, { method: 'HEAD' });
  expect(head.status).toBe(404);
});

it("serves containerd's mirror form (?ns=<host>) for mirrored hosts, and names under no alias from the root alias", async () => {
  const { app } = track(
    makeService({
      registries: localRegistries(source, target),
      front: {
        aliases: { local: { registry: source } },
        namespaces: { 'upstream.invalid': { registry: source } },
        root: 'local',
      },
    }),
  );
  for (const path of [
    '/v2/ferry-test/v2s2/manifests/v1?ns=upstream.invalid',
    '/v2/ferry-test/v2s2/manifests/v1', // the root alias's
  ]) {
    const res = await app.request(path);
    expect(res.status, path).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(v2s2.digest);
  }
  const other = await app.request('/v2/ferry-test/v2s2/manifests/v1?ns=elsewhere.invalid');
  expect(other.status).toBe(404);
  expect((await errorsOf(other))[0]?.code).toBe('NAME_UNKNOWN');
});

it('refuses a root that names no alias, at configuration time', () => {
  expect(() => makeService({ front: { aliases: {}, root: 'hub' } })).toThrow(/front\.root/);
});

it('says how long an answer keeps: a digest’s forever, a tag’s for cache.tagTtlSeconds; If-None-Match gets a 304', async () => {
  const { app } = frontService();
  const byDigest = await app.request(`/v2/local/ferry-test/v2s2/manifests/${v2s2.digest}`);
  expect(byDigest.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
  expect(byDigest.headers.get('etag')).toBe(`"${v2s2.digest}"`);
  const byTag = await app.request('/v2/local/ferry-test/v2s2/manifests/v1');
  expect(byTag.headers.get('cache-control')).toBe('private, max-age=60');
  const again = await app.request('/v2/local/ferry-test/v2s2/manifests/v1', {
    headers: { 'if-none-match': `"${v2s2.digest}"` },
  });
  expect(again.status).toBe(304);
  expect((await again.arrayBuffer()).byteLength).toBe(0);
});

it('audits a pull once per caller, image and tag, however often the client asks; never per digest or blob', async () => {
  const service = frontService();
  for (let i = 0; i < 3; i++) {
    await service.app.request('/v2/local/ferry-test/v2s2/manifests/v1', { method: i ? 'GET' : 'HEAD' });
    await service.settle();
  }
  await service.app.request(`/v2/local/ferry-test/v2s2/manifests/${v2s2.digest}`);
  await service.settle();
  const { records } = await listAuditRecords(service.deps, { limit: 100 }, () => true);
  const pulls = records.filter((r) => r.action === 'pull');
  expect(pulls).toEqual([
    expect.objectContaining({
      caller: 'anonymous',
      source: `${source}/ferry-test/v2s2:v1`,
      sourceDigest: v2s2.digest,
      outcome: 'ok',
    }),
  ]);
});

it('shows the pull quota an upstream announced (Docker Hub’s ratelimit headers) in /healthz', async () => {
  const hub = fixture.faultProxy;
  const { app } = track(
    makeService({
      registries: {
        ...localRegistries(source, target),
        [hub]: { insecure: true, headers: { 'x-ferry-fault': 'docker-hub-quota', 'x-ferry-fault-arg': '76' } },
      },
      front: { aliases: { hub: { registry: hub } } },
    }),
  );
  const res = await app.request('/v2/hub/ferry-test/v2s2/manifests/v1');
  expect(res.status).toBe(200);
  const health = (await (await app.request('/healthz')).json()) as { registryQuotas: Record<string, unknown> };
  expect(health.registryQuotas[hub]).toMatchObject({ limit: 100, remaining: 76, windowSeconds: 21600 });
});

it('passes a blob redirect to storage on where the alias says so, the bytes never crossing Ferry', async () => {
  const upstream = fixture.faultProxy;
  const entry = { insecure: true, headers: { 'x-ferry-fault': 'redirect-blobs' }, blobHosts: [fixture.blobStorage] };
  const service = track(
    makeService({
      registries: { ...localRegistries(source, target), [upstream]: entry },
      front: {
        aliases: { direct: { registry: upstream, passBlobRedirects: true }, streamed: { registry: upstream } },
      },
    }),
  );
  const { digest } = (JSON.parse(raw) as { config: { digest: string } }).config;
  const passed = await service.app.request(`/v2/direct/ferry-test/v2s2/blobs/${digest}`);
  expect(passed.status).toBe(307);
  const location = new URL(passed.headers.get('location')!);
  expect(location.host).toBe(fixture.blobStorage);
  expect(service.requests.some((r) => new URL(r.url).host === fixture.blobStorage)).toBe(false);
  // The client follows it itself, to the same bytes.
  expect(await computeDigest(new Uint8Array(await (await fetch(location)).arrayBuffer()))).toBe(digest);

  const streamed = await service.app.request(`/v2/streamed/ferry-test/v2s2/blobs/${digest}`);
  expect(streamed.status).toBe(200);
  expect(await computeDigest(new Uint8Array(await streamed.arrayBuffer()))).toBe(digest);
});

/** workerd's own Cache API (caches.default); on Node a map stands in for it. */
function anEdgeCache() {
  const kept = new Map<string, { body: ArrayBuffer; headers: [string, string][] }>();
  return (
    workersEdgeCache() ?? {
      match: async (key: string) => {
        const hit = kept.get(key);
        return hit ? new Response(hit.body, { headers: hit.headers }) : undefined;
      },
      put: async (key: string, response: Response) =>
        void kept.set(key, { body: await response.arrayBuffer(), headers: [...response.headers] }),
    }
  );
}

it('keeps a tag page at the edge a few seconds: a burst of listings asks the upstream once', async () => {
  const service = frontService();
  service.deps.edgeCache = anEdgeCache();
  const path = `/v2/local/ferry-test/v2s2/tags/list?n=5&last=${crypto.randomUUID()}`;
  const first = await service.app.request(path);
  expect(first.status).toBe(200);
  await service.settle();
  const before = service.requests.length;
  const again = await service.app.request(path);
  expect(await again.json()).toEqual(await first.clone().json());
  expect(service.requests.length - before).toBe(0);
});

it('keeps a referrers list at the edge a few seconds, not for ever: a new signature shows soon', async () => {
  const service = frontService();
  service.deps.edgeCache = anEdgeCache();
  // A digest no one asked about yet: the edge holds nothing for it.
  const path = `/v2/local/ferry-test/v2s2/referrers/sha256:${'0'.repeat(56)}${crypto.randomUUID().slice(0, 8)}`;
  const first = await service.app.request(path);
  expect(first.status).toBe(200);
  await service.settle();
  const before = service.requests.length;
  const again = await service.app.request(path);
  expect(await again.json()).toEqual(await first.clone().json());
  expect(service.requests.length - before).toBe(0);
  expect(again.headers.get('cache-control')).toMatch(/max-age=\d{1,2}\b/);
  expect(again.headers.get('cache-control')).not.toMatch(/immutable/);
});

it('serves a manifest by digest from the edge cache once kept there: no upstream request, no KV read', async () => {
  const edgeCache = anEdgeCache();
  const service = frontService();
  service.deps.edgeCache = edgeCache;
  const path = `/v2/local/ferry-test/v2s2/manifests/${v2s2.digest}`;
  expect((await service.app.request(path)).status).toBe(200);
  await service.settle();
  const before = { requests: service.requests.length, kvReads: 0 };
  const get = service.deps.kv.get.bind(service.deps.kv);
  service.deps.kv.get = (key) => (before.kvReads++, get(key));
  const again = await service.app.request(path);
  expect(again.status).toBe(200);
  const bytes = new Uint8Array(await again.arrayBuffer());
  expect(await computeDigest(bytes)).toBe(v2s2.digest);
  expect(again.headers.get('content-type')).toBe(v2s2.mediaType);
  expect(service.requests.length - before.requests).toBe(0);
  expect(before.kvReads).toBe(0);
});
