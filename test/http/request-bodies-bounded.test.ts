// Security review B8 and the in-app half of B9: a caller's body is capped in bytes while it is read (not
// after), a caller without any grant for the route makes Ferry read none of it, and a body that does not
// arrive within limits.bodyTimeoutSeconds is answered 408. On Node and in workerd alike.

import { describe, expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;
const hash = async (key: string) => (await computeDigest(new TextEncoder().encode(key))).slice(7);

/** A body of `total` bytes made on demand, counting how much of it was pulled. */
function countedBody(total: number, chunk = 16 * 1024) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= total) return controller.close();
      counter.pulled += chunk;
      controller.enqueue(new Uint8Array(chunk).fill(0x61));
    },
  });
  return { stream, counter };
}

async function service() {
  return makeService({
    registries: localRegistries(registry),
    limits: { bodyTimeoutSeconds: 1 },
    callers: {
      apiKeys: [
        { name: 'none', sha256: await hash('no-grant-key') },
        { name: 'dev', sha256: await hash('dev-body-key') },
        { name: 'admin', sha256: await hash('admin-body-key') },
      ],
      grants: [
        { apiKey: 'none', actions: ['inspect'], repositories: [`${registry}/elsewhere/*`] },
        { apiKey: 'dev', actions: ['inspect', 'copy', 'promote'], repositories: [`${registry}/**`] },
        { apiKey: 'admin', actions: ['admin'], repositories: [`${registry}/**`] },
      ],
    },
  });
}

const ROUTES: [string, string, string][] = [
  ['POST', '/v1/copy', 'dev-body-key'],
  ['POST', '/v1/promote', 'dev-body-key'],
  ['PUT', '/v1/rules/big', 'admin-body-key'],
];

describe('B8: bodies are capped while read', () => {
  it.each(ROUTES)('%s %s: a caller with no grant for it gets 403 having sent almost nothing', async (method, path) => {
    const svc = await service();
    const { stream, counter } = countedBody(20 * 1024 * 1024);
    const res = await svc.app.request(path, {
      method,
      headers: { authorization: 'Bearer no-grant-key', 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(403);
    expect(counter.pulled).toBeLessThan(1024 * 1024);
  });

  it.each(ROUTES)("%s %s: a granted caller's 20 MiB body is 413 after about 64 KiB", async (method, path, key) => {
    const svc = await service();
    const { stream, counter } = countedBody(20 * 1024 * 1024);
    const res = await svc.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    expect(counter.pulled).toBeLessThan(1024 * 1024);
  });
});

describe('B9 (in the app): a body that never finishes', () => {
  it.each([...ROUTES, ['POST', '/v1/webhooks/x', '']] as [string, string, string][])(
    '%s %s is answered 408 once limits.bodyTimeoutSeconds passes',
    async (method, path, key) => {
      const svc = makeService({
        registries: localRegistries(registry),
        limits: { bodyTimeoutSeconds: 1 },
        callers: {
          apiKeys: [
            { name: 'dev', sha256: await hash('dev-body-key') },
            { name: 'admin', sha256: await hash('admin-body-key') },
          ],
          grants: [
            { apiKey: 'dev', actions: ['inspect', 'copy', 'promote'], repositories: [`${registry}/**`] },
            { apiKey: 'admin', actions: ['admin'], repositories: [`${registry}/**`] },
          ],
        },
        webhooks: { receivers: { x: { format: 'github', registry, secret: 'slow-body-secret-1234' } } },
      });
      const stalled = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"source":'));
        },
      });
      const started = Date.now();
      const res = await svc.app.request(path, {
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json' },
        body: stalled,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(408);
      expect(((await res.json()) as { code: string }).code).toBe('REQUEST_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(5000);
    },
  );
});
