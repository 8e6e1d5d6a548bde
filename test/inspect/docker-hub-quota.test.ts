// Docker Hub's pull quota (ratelimit-limit / ratelimit-remaining with their ";w=" window) shown where a
// caller looks: the copy's `resolved` event and the inspect result; a spent quota is UPSTREAM_RATE_LIMITED
// (429) with Retry-After: the registry's own when it sends one, else the quota window. The registry is a
// real docker-registry behind the fault proxy, which adds Hub's headers and answers.

import { expect, inject, it } from 'vitest';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const hub = fixture.faultProxy;
const target = fixture.targets.anonymous.host;

function serviceWithQuota(arg: string) {
  return makeService({
    registries: {
      [hub]: { insecure: true, headers: { 'x-ferry-fault': 'docker-hub-quota', 'x-ferry-fault-arg': arg } },
      [target]: { insecure: true },
    },
    cache: { tagTtlSeconds: 0 },
  });
}

it('the quota a registry announces is in the inspect result and the copy events', async () => {
  const service = serviceWithQuota('76');
  const inspected = await service.get(`/v1/inspect/${hub}/ferry-test/v2s2:v1`);
  expect(inspected.status).toBe(200);
  expect(inspected.body.rateLimit).toEqual({ limit: 100, remaining: 76, windowSeconds: 21600 });
  const copied = await runCopy(service, {
    source: `${hub}/ferry-test/v2s2:v1`,
    target: `${target}/${uniqueRepository('quota/app')}:v1`,
  });
  expect(copied.events.find((e) => e.type === 'resolved')).toMatchObject({
    rateLimit: { limit: 100, remaining: 76, windowSeconds: 21600 },
  });
  expect(copied.events.at(-1)?.type).toBe('done');
  // A registry that announces nothing: no field.
  const plain = makeService({ registries: localRegistries(fixture.registries.anonymous.host) });
  expect(
    (await plain.get(`/v1/inspect/${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`)).body,
  ).not.toHaveProperty('rateLimit');
});

it('a spent quota is a 429 with Retry-After: the quota window when the registry sends none, asked once', async () => {
  const service = serviceWithQuota('0');
  const refused = await service.get(`/v1/inspect/${hub}/ferry-test/v2s2:v1`);
  expect([refused.status, refused.body.code]).toEqual([429, 'UPSTREAM_RATE_LIMITED']);
  expect(refused.headers.get('retry-after')).toBe('21600');
  expect(refused.body).toMatchObject({
    retryAfterSeconds: 21600,
    rateLimit: { limit: 100, remaining: 0, windowSeconds: 21600 },
  });
  expect(refused.body.detail).toContain('registry answered 429: TOOMANYREQUESTS');
  expect(refused.body.detail).toContain('(quota 100 per 21600 s, 0 left); retry after 21600 s');
  // Retrying a spent quota only spends the caller's time: one manifest GET.
  expect(service.requests.filter((r) => r.method === 'GET' && r.url.includes('/manifests/')).length).toBe(1);
});

it("a 429 with the registry's own Retry-After passes that on", async () => {
  const service = serviceWithQuota('0+120');
  const copied = await runCopy(
    service,
    { source: `${hub}/ferry-test/v2s2:v1`, target: `${target}/${uniqueRepository('quota/app')}:v1` },
    'application/json',
  );
  expect([copied.status, copied.final.code, copied.final.retryAfterSeconds]).toEqual([
    429,
    'UPSTREAM_RATE_LIMITED',
    120,
  ]);
});
