// Results addressed by digest come from KV; tags are re-resolved after their TTL; ETags give 304s.

import { describe, expect, inject, it } from 'vitest';
import { configFor } from '../support/configs.js';
import { makeService } from '../support/service.js';
import { MemoryState } from '../../src/state/memory.js';
import { MemoryKv } from '../../src/kv/memory.js';

const fixture = inject('fixture');
const multiarch = fixture.images.find((i) => i.name === 'multiarch')!;
const host = fixture.registries.token.host;
const digest = fixture.skopeo.token.multiarch!.digest;

describe('caching', () => {
  it('a repeated inspect by digest makes zero requests to the registry', async () => {
    const service = makeService(configFor(fixture, 'token'));
    const first = await service.get(`/v1/inspect/${host}/${multiarch.repository}@${digest}`);
    expect(first.status).toBe(200);
    expect(service.requests.length).toBeGreaterThan(0);
    service.requests.length = 0;
    const second = await service.get(`/v1/inspect/${host}/${multiarch.repository}@${digest}`);
    expect(second.body).toEqual(first.body);
    expect(service.requests).toEqual([]);
  });

  it('a platform pick by digest is cached too, child image included', async () => {
    const service = makeService(configFor(fixture, 'token'));
    const first = await service.get(`/v1/inspect/${host}/${multiarch.repository}@${digest}?platform=linux/arm64`);
    expect(first.body.platform).toBe('linux/arm64/v8');
    expect(first.body.index).toEqual({ digest, mediaType: 'application/vnd.oci.image.index.v1+json' });
    service.requests.length = 0;
    const again = await service.get(`/v1/inspect/${host}/${multiarch.repository}@${digest}?platform=linux/arm64`);
    expect(again.body).toEqual(first.body);
    expect(service.requests).toEqual([]);
  });

  it('a tag resolution is reused within its TTL and asked again after it', async () => {
    let now = Date.now();
    const service = makeService(
      { ...configFor(fixture, 'anonymous'), cache: { tagTtlSeconds: 60 } },
      { kv: new MemoryKv(() => now) },
    );
    service.deps.now = () => now;
    const ref = `/v1/inspect/${fixture.registries.anonymous.host}/${multiarch.repository}:v1`;
    await service.get(ref);
    service.requests.length = 0;
    await service.get(ref);
    expect(service.requests).toEqual([]);
    now += 61_000;
    const later = await service.get(ref);
    expect(later.body.digest).toBe(fixture.skopeo.anonymous.multiarch!.digest);
    expect(service.requests.map((r) => new URL(r.url).pathname)).toEqual([`/v2/${multiarch.repository}/manifests/v1`]);
  });

  // These look at the token requests themselves, as the service's fetch sends them: with a store that makes
  // exchanges itself (the Durable Object on Workers) the object sends the same request
  // (src/registry/token-exchange.ts), out of the service's sight; token-single-flight.test.ts covers it.
  const exchangingHere = () => ({ state: new MemoryState() });

  it('tokens are fetched once and reused for later requests', async () => {
    const service = makeService(configFor(fixture, 'token'), exchangingHere());
    await service.get(`/v1/inspect/${host}/${multiarch.repository}:v1`);
    await service.get(`/v1/manifest/${host}/ferry-test/v2s2:v1`);
    const realm = service.requests.filter((r) => r.url.includes('/token'));
    // One token per repository scope; none twice.
    const scopes = realm.map((r) => new URL(r.url).searchParams.getAll('scope').join(' '));
    expect(new Set(scopes).size).toBe(scopes.length);
    expect(scopes).toEqual([`repository:${multiarch.repository}:pull`, 'repository:ferry-test/v2s2:pull']);
    // The password goes to the token server only, never to the registry.
    const toRegistry = service.requests.filter((r) => new URL(r.url).host === host);
    expect(toRegistry.some((r) => r.headers.authorization?.startsWith('Basic '))).toBe(false);
    expect(
      toRegistry
        .filter((r) => r.url.includes('/manifests/'))
        .every((r) => r.headers.authorization?.startsWith('Bearer ')),
    ).toBe(true);
  });

  it('an identity token is exchanged with the OAuth2 POST form', async () => {
    const service = makeService(
      {
        registries: {
          [host]: {
            insecure: true,
            authHosts: [fixture.token.server],
            credentials: { identityToken: fixture.token.refreshToken },
          },
        },
      },
      exchangingHere(),
    );
    const res = await service.get(`/v1/inspect/${host}/${multiarch.repository}:v1`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const tokenRequests = service.requests.filter((r) => r.url.includes('/token'));
    expect(tokenRequests.map((r) => r.method)).toEqual(['POST']);
  });
});

describe('conditional requests', () => {
  it('ETag is the digest and If-None-Match gives 304', async () => {
    const service = makeService(configFor(fixture, 'anonymous'));
    const path = `/v1/inspect/${fixture.registries.anonymous.host}/${multiarch.repository}:v1`;
    const res = await service.get(path);
    expect(res.headers.get('etag')).toBe(`"${fixture.skopeo.anonymous.multiarch!.digest}"`);
    const again = await service.get(path, { 'if-none-match': res.headers.get('etag')! });
    expect(again.status).toBe(304);
    const other = await service.get(path, { 'if-none-match': '"sha256:0000"' });
    expect(other.status).toBe(200);
    const manifest = await service.get(`/v1/manifest/${fixture.registries.anonymous.host}/${multiarch.repository}:v1`, {
      'if-none-match': res.headers.get('etag')!,
    });
    expect(manifest.status).toBe(304);
  });
});

describe('platform selection', () => {
  it('picks the child of a nested index by platform', async () => {
    const service = makeService(configFor(fixture, 'anonymous'));
    const nested = fixture.skopeo.anonymous.nested!;
    const res = await service.get(
      `/v1/inspect/${fixture.registries.anonymous.host}/ferry-test/nested:v1?platform=linux/arm/v7`,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.platform).toBe('linux/arm/v7');
    expect(Object.keys(nested.images)).toContain(res.body.digest);
    expect(res.body.index.digest).not.toBe(nested.digest); // the inner index it came from
  });

  it('rejects a malformed platform', async () => {
    const service = makeService(configFor(fixture, 'anonymous'));
    const res = await service.get(
      `/v1/inspect/${fixture.registries.anonymous.host}/ferry-test/nested:v1?platform=linux`,
    );
    expect(res.body.code).toBe('INVALID_REQUEST');
  });
});
