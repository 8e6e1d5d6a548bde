// Security review v2, weak item 27 and B3: a cloud endpoint that cannot be reached answered 500 INTERNAL,
// and one that never answers held the request. Both are the upstream's failure: UPSTREAM_UNAVAILABLE
// naming the endpoint's host, and UPSTREAM_TIMEOUT under the same deadlines as registries.

import { expect, inject, it } from 'vitest';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
// A registry that challenges (htpasswd), so Ferry asks the cloud for its credentials.
const registry = fixture.registries.basic.host;
// Nothing listens on port 9 (discard) on the test machines.
const CLOSED = '127.0.0.1:9';

function service(endpoint: string) {
  return makeService(
    {
      registries: {
        [registry]: {
          insecure: true,
          credentials: {
            aws: {
              region: 'us-east-1',
              accessKeyId: { secret: 'KEY_ID' },
              secretAccessKey: { secret: 'SECRET_KEY' },
              endpoints: { ecr: `http://${endpoint}/ecr`, sts: `http://${endpoint}/sts` },
            },
          },
        },
      },
      upstream: { headersTimeoutSeconds: 1 },
    },
    { secrets: { KEY_ID: 'AKIAUNREACHABLE00001', SECRET_KEY: 'unreachable-secret-0001' } },
  );
}

it('an unreachable cloud endpoint is UPSTREAM_UNAVAILABLE naming its host, not 500', async () => {
  const res = await service(CLOSED).get(`/v1/inspect/${registry}/ferry-test/v2s2:v1`);
  expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([502, 'UPSTREAM_UNAVAILABLE']);
  expect(res.body.detail).toContain(CLOSED);
  expect(JSON.stringify(res.body)).not.toContain('unreachable-secret-0001');
});

it('a cloud endpoint that never answers is UPSTREAM_TIMEOUT naming its host and the phase', async () => {
  const res = await service(`${fixture.targetFaultProxy}/__never`).get(`/v1/inspect/${registry}/ferry-test/v2s2:v1`);
  expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([504, 'UPSTREAM_TIMEOUT']);
  expect(res.body).toMatchObject({ host: fixture.targetFaultProxy, phase: 'headers' });
});
