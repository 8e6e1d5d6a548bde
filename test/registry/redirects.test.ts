// Blob redirects are followed by hand: checked at each hop, and never carrying credentials to another origin.

import { expect, inject, it } from 'vitest';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const SECRET = 'bearer-secret-for-redirect-test-4417';

async function storageLog(): Promise<{ path: string; headers: Record<string, string> }[]> {
  return (await fetch(`http://${fixture.blobStorage}/__log`)).json();
}

function config(allowStorage: boolean) {
  return {
    registries: {
      [fixture.faultProxy]: {
        insecure: true,
        credentials: { token: SECRET },
        headers: { 'x-ferry-fault': 'redirect-blobs' },
        // Blob storage is a host the registry's own entry lists, or nowhere Ferry follows it to.
        ...(allowStorage ? { blobHosts: [fixture.blobStorage] } : {}),
      },
    },
  };
}

it('follows a blob redirect to another host without Authorization or registry headers', async () => {
  const before = (await storageLog()).length;
  const service = makeService(config(true));
  const res = await service.get(`/v1/inspect/${fixture.faultProxy}/ferry-test/v2s2:v1`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.config.labels['test.arch']).toBe('amd64');
  const seen = (await storageLog()).slice(before);
  expect(seen.length).toBeGreaterThan(0);
  for (const request of seen) {
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers['x-ferry-fault']).toBeUndefined();
  }
  // The registry itself did get the credential.
  const toRegistry = service.requests.filter(
    (r) => new URL(r.url).host === fixture.faultProxy && r.url.includes('/blobs/'),
  );
  expect(toRegistry[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
});

it('refuses a redirect to a loopback address the config does not list, sending nothing there', async () => {
  const before = (await storageLog()).length;
  const service = makeService(config(false));
  const res = await service.get(`/v1/inspect/${fixture.faultProxy}/ferry-test/v2s2:v1`);
  expect(res.body.code).toBe('ADDRESS_NOT_ALLOWED');
  expect((await storageLog()).length).toBe(before);
  expect(service.requests.some((r) => new URL(r.url).host === fixture.blobStorage)).toBe(false);
});
