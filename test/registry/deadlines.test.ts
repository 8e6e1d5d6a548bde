// Security review v2, B3: no upstream request had a deadline, so a registry that never answers held an
// inspect (25 s and more, on Node and workerd) and its token realm the same. Every request now has connect,
// headers and idle deadlines; a timeout is UPSTREAM_TIMEOUT (504) naming the host and the phase.

import { expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const hostile = fixture.faultProxy;

function silentService(arg: string) {
  return makeService({
    registries: {
      ...localRegistries(fixture.registries.anonymous.host),
      [hostile]: { insecure: true, headers: { 'x-ferry-fault': 'never-answer', 'x-ferry-fault-arg': arg } },
    },
    upstream: { headersTimeoutSeconds: 1 },
  });
}

it('a registry that never answers a manifest request: UPSTREAM_TIMEOUT naming the host and the headers phase', async () => {
  const res = await silentService('manifests').get(`/v1/inspect/${hostile}/slow/app:v1`);
  expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([504, 'UPSTREAM_TIMEOUT']);
  expect(res.body).toMatchObject({ host: hostile, phase: 'headers' });
  expect(res.body.detail).toContain(hostile);
});

it('a registry whose ping never answers: the same, before any credential is asked for', async () => {
  const res = await silentService('ping').get(`/v1/inspect/${hostile}/slow/app:v1`);
  expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([504, 'UPSTREAM_TIMEOUT']);
  expect(res.body).toMatchObject({ host: hostile, phase: 'headers' });
});

it('a token realm that never answers: UPSTREAM_TIMEOUT naming the token host', async () => {
  const service = makeService({
    registries: {
      [hostile]: {
        insecure: true,
        headers: {
          'x-ferry-fault': 'realm-across',
          'x-ferry-fault-arg': `http://${fixture.targetFaultProxy}/__never/token`,
        },
        authHosts: [fixture.targetFaultProxy],
        credentials: { username: 'u', password: 'p' },
      },
    },
    upstream: { headersTimeoutSeconds: 1 },
  });
  const res = await service.get(`/v1/inspect/${hostile}/slow/app:v1`);
  expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([504, 'UPSTREAM_TIMEOUT']);
  expect(res.body).toMatchObject({ host: fixture.targetFaultProxy, phase: 'headers' });
});
