// Security review v2, B9: a registry's error message that echoed Ferry's configured password in a phrasing
// the pattern filter did not know ("login failed for fakeuser with password …", {"password": "…"},
// user:…, pw=…) reached the caller. Every secret value Ferry sent to a host is now taken out of what
// that host says, whatever the phrasing, before the pattern filter runs.

import { expect, inject, it } from 'vitest';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const hostile = fixture.faultProxy;
const PASSWORD = 'fake-secret-6301-hunter2';

it.each(['prose', 'json', 'colon', 'pw'])(
  'a registry echoing the password (%s) never gets it into the answer or the log',
  async (phrasing) => {
    const service = makeService({
      registries: {
        [hostile]: {
          insecure: true,
          credentials: { username: 'fakeuser', password: PASSWORD },
          headers: { 'x-ferry-fault': 'echo-secret', 'x-ferry-fault-arg': phrasing },
        },
      },
    });
    const res = await service.get(`/v1/inspect/${hostile}/leak/app:v1`);
    expect(res.body.code, JSON.stringify(res.body)).toBe('UPSTREAM_DENIED');
    expect(res.body.detail).toContain('DENIED');
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(service.logs.join('\n')).not.toContain('hunter2');
  },
);

it('C1 control characters in a registry error are taken out too', async () => {
  const service = makeService({
    registries: {
      [hostile]: {
        insecure: true,
        credentials: { username: 'fakeuser\u009b31m', password: 'p' },
        headers: { 'x-ferry-fault': 'echo-secret', 'x-ferry-fault-arg': 'prose' },
      },
    },
  });
  const res = await service.get(`/v1/inspect/${hostile}/leak/app:v1`);
  expect(res.body.code).toBe('UPSTREAM_DENIED');
  expect(res.body.detail).not.toMatch(/[\u0080-\u009f]/);
});
