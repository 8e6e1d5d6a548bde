// Reads try configured mirrors first and fall back, endpoint by endpoint, as Docker's pull did.

import { expect, inject, it } from 'vitest';
import { registryEntry } from '../support/configs.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const token = fixture.registries.token;
const anonymous = fixture.registries.anonymous.host;
const multiarch = fixture.skopeo.token.multiarch!;
// Nothing listens on port 9 (discard) on the test machines: a mirror that is down.
const DEAD = '127.0.0.1:9';

const withMirrors = (mirrors: string[]) => ({
  registries: {
    [token.host]: registryEntry(token, { mirrors }),
  },
});

it('serves from the first mirror that answers, without credentials', async () => {
  const service = makeService(withMirrors([`http://${DEAD}`, `http://${anonymous}`]));
  const res = await service.get(`/v1/inspect/${token.host}/ferry-test/multiarch:v1`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.digest).toBe(multiarch.digest);
  const hosts = service.requests.map((r) => new URL(r.url).host);
  expect(hosts).toContain(DEAD);
  expect(hosts).toContain(anonymous);
  expect(hosts).not.toContain(token.host);
  expect(service.requests.some((r) => r.headers.authorization)).toBe(false);
});

it('falls back to the registry itself when the mirror lacks the image', async () => {
  const service = makeService(withMirrors([`http://${fixture.emptyRegistry}`]));
  const res = await service.get(`/v1/inspect/${token.host}/ferry-test/multiarch:v1`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.digest).toBe(multiarch.digest);
  const hosts = service.requests.map((r) => new URL(r.url).host);
  expect(hosts).toContain(fixture.emptyRegistry);
  expect(hosts.indexOf(fixture.emptyRegistry)).toBeLessThan(hosts.indexOf(token.host));
});

it("reports the registry's own error when every endpoint fails", async () => {
  const service = makeService(withMirrors([`http://${fixture.emptyRegistry}`]));
  const res = await service.get(`/v1/inspect/${token.host}/ferry-test/multiarch:missing`);
  expect(res.body.code).toBe('NOT_FOUND');
  expect(res.body.detail).toContain(token.host);
});
