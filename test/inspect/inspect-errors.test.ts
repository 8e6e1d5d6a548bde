// Bad input and bad upstreams each end in a problem response with a stable code, and never leak a secret.

import { describe, expect, inject, it } from 'vitest';
import { configFor, localRegistries, registryEntry } from '../support/configs.js';
import { makeService, refusingFetch } from '../support/service.js';

const fixture = inject('fixture');
const multiarch = fixture.images.find((i) => i.name === 'multiarch')!;

describe('malformed references', () => {
  const service = makeService({ registries: {} }, { fetch: refusingFetch });
  it.each([
    ['127.0.0.1:5000/Team/app', 'must be lowercase'],
    ['team/App', 'must be lowercase'],
    ['127.0.0.1:5000/repo:', 'tag is empty'],
    ['127.0.0.1:5000/repo:bad*tag', 'invalid characters'],
    ['127.0.0.1:5000/repo@sha256:abc', 'sha256 digest needs 64'],
    ['127.0.0.1:5000/repo@md5:d41d8cd98f00b204e9800998ecf8427e', 'unsupported digest algorithm'],
    ['127.0.0.1:5000/re..po', 'invalid characters'],
    ['127.0.0.1:5000//repo', 'empty path component'],
    [`127.0.0.1:5000/${'a'.repeat(260)}`, 'longer than 255'],
    [`127.0.0.1:5000/repo:${'t'.repeat(129)}`, 'longer than 128'],
    ['bad_host:5000x/repo', 'is not a valid registry'],
  ])('%s is refused naming what is wrong (%s)', async (reference, why) => {
    const res = await service.get(`/v1/inspect/${encodeURIComponent(reference)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.code).toBe('INVALID_REFERENCE');
    expect(res.body.detail).toContain(why);
  });
  it('made no request', () => expect(service.requests).toEqual([]));
});

describe('egress refusals make no request at all', () => {
  it('a registry that is not configured', async () => {
    const service = makeService({ registries: {} }, { fetch: refusingFetch });
    const res = await service.get('/v1/inspect/registry.example.com/team/app:1');
    expect(res.body.code).toBe('REGISTRY_NOT_ALLOWED');
    expect(res.status).toBe(403);
    // It says what to add (user-experience review v2, friction 2).
    expect(res.body.detail).toContain('"registries": {"registry.example.com": {}}');
    expect(service.requests).toEqual([]);
  });

  it('a loopback registry that is not configured is refused with the entry that allows it', async () => {
    const service = makeService({ registries: {} }, { fetch: refusingFetch });
    const res = await service.get('/v1/inspect/127.0.0.1:6500/team/app:1');
    expect(res.body.code).toBe('ADDRESS_NOT_ALLOWED');
    expect(res.body.detail).toContain('"registries": {"127.0.0.1:6500": {"insecure": true}}');
    expect(service.requests).toEqual([]);
  });

  it.each([
    '10.0.0.1:5000',
    '169.254.169.254',
    '192.168.1.10',
    '[::ffff:127.0.0.1]:5000',
    '127.1:5000',
    'localhost:5000',
    '[fd00::1]',
  ])('%s is a private address, refused even when public registries are allowed', async (host) => {
    const service = makeService({ registries: {}, allowPublicRegistries: true }, { fetch: refusingFetch });
    const res = await service.get(`/v1/inspect/${host}/team/app:1`);
    expect(res.body.code).toBe('ADDRESS_NOT_ALLOWED');
    expect(service.requests).toEqual([]);
  });

  it('a public registry is allowed only when the config says so (the request goes to the recording fetch, not the network)', async () => {
    const service = makeService({ registries: {}, allowPublicRegistries: true }, { fetch: refusingFetch });
    const res = await service.get('/v1/inspect/registry.example.com/team/app:1');
    expect(res.body.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(service.requests.map((r) => r.url)).toContain('https://registry.example.com/v2/');
    expect(service.requests.every((r) => new URL(r.url).hostname === 'registry.example.com')).toBe(true);
  });

  it('Docker Hub names normalise to registry-1.docker.io over https', async () => {
    const service = makeService({ registries: {}, allowPublicRegistries: true }, { fetch: refusingFetch });
    await service.get('/v1/inspect/alpine');
    await service.get('/v1/inspect/docker.io/library/alpine:3');
    expect(new Set(service.requests.map((r) => new URL(r.url).origin))).toEqual(
      new Set(['https://registry-1.docker.io']),
    );
  });
});

describe('upstream answers', () => {
  it('an unknown tag is NOT_FOUND', async () => {
    const service = makeService(configFor(fixture, 'anonymous'));
    const res = await service.get(
      `/v1/inspect/${fixture.registries.anonymous.host}/${multiarch.repository}:no-such-tag`,
    );
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('a platform the index does not have is PLATFORM_NOT_FOUND', async () => {
    const service = makeService(configFor(fixture, 'anonymous'));
    const res = await service.get(
      `/v1/inspect/${fixture.registries.anonymous.host}/${multiarch.repository}:v1?platform=windows/amd64`,
    );
    expect(res.body.code).toBe('PLATFORM_NOT_FOUND');
  });

  it.each(['basic', 'token'] as const)(
    'wrong credentials under %s auth are UPSTREAM_UNAUTHORIZED, and the password never shows',
    async (mode) => {
      const wrong = 'wrong-secret-Zq81';
      const r = fixture.registries[mode];
      const service = makeService(
        {
          registries: {
            [r.host]: registryEntry(r, { credentials: { username: r.username, password: { secret: 'REG_PASS' } } }),
          },
        },
        { secrets: { REG_PASS: wrong } },
      );
      const res = await service.get(`/v1/inspect/${r.host}/${multiarch.repository}:v1`);
      expect(res.body.code).toBe('UPSTREAM_UNAUTHORIZED');
      expect(res.status).toBe(502);
      const everything = JSON.stringify(res.body) + service.logs.join('\n');
      expect(everything).not.toContain(wrong);
      expect(everything).not.toContain(btoa(`${r.username}:${wrong}`));
    },
  );

  it('an authenticated registry without credentials is UPSTREAM_UNAUTHORIZED', async () => {
    const r = fixture.registries.basic;
    const service = makeService({ registries: localRegistries(r.host) });
    const res = await service.get(`/v1/inspect/${r.host}/${multiarch.repository}:v1`);
    expect(res.body.code).toBe('UPSTREAM_UNAUTHORIZED');
  });

  it('a manifest over 4 MiB is MANIFEST_TOO_LARGE', async () => {
    const service = makeService({
      registries: { [fixture.faultProxy]: { insecure: true, headers: { 'x-ferry-fault': 'oversize-manifest' } } },
    });
    const res = await service.get(`/v1/manifest/${fixture.faultProxy}/${multiarch.repository}:v1`);
    expect(res.body.code).toBe('MANIFEST_TOO_LARGE');
  });

  it('manifest bytes that do not match the registry digest are DIGEST_MISMATCH, by tag and by digest', async () => {
    const service = makeService({
      registries: { [fixture.faultProxy]: { insecure: true, headers: { 'x-ferry-fault': 'corrupt-manifest' } } },
    });
    const byTag = await service.get(`/v1/inspect/${fixture.faultProxy}/${multiarch.repository}:v1`);
    expect(byTag.body.code).toBe('DIGEST_MISMATCH');
    const digest = fixture.skopeo.anonymous.multiarch!.digest;
    const byDigest = await service.get(`/v1/manifest/${fixture.faultProxy}/${multiarch.repository}@${digest}`);
    expect(byDigest.body.code).toBe('DIGEST_MISMATCH');
    expect(byDigest.body.expected).toBe(digest);
  });

  it('an unknown route is a problem response too', async () => {
    const service = makeService({ registries: {} });
    const res = await service.get('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ROUTE_NOT_FOUND');
  });
});
