// Fair job queues (issue 30): jobs run with a concurrency per tenant (an API key's name, an OIDC token's issuer
// and subject, the rule for webhook jobs; anonymous callers are one tenant) and per registry, so one tenant's
// jobs stuck on a registry that never answers never keep another tenant's job queued. In process the queue
// decides; on Workers each job is an instance of its own, and nothing of one tenant waits on another's.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const hostile = fixture.faultProxy;
const hash = async (key: string) => (await computeDigest(new TextEncoder().encode(key))).slice(7);

it("two jobs of tenant A stuck on a registry that never answers do not keep tenant B's job queued", async () => {
  const service = makeService(
    {
      registries: {
        ...localRegistries(source, target),
        [hostile]: { insecure: true, headers: { 'x-ferry-fault': 'never-answer', 'x-ferry-fault-arg': 'manifests' } },
      },
      upstream: { headersTimeoutSeconds: 3600 },
      callers: {
        apiKeys: [
          { name: 'tenant-a', sha256: await hash('fair-a') },
          { name: 'tenant-b', sha256: await hash('fair-b') },
        ],
        grants: [
          { apiKey: 'tenant-a', actions: ['inspect', 'copy'], repositories: ['**/**'] },
          { apiKey: 'tenant-b', actions: ['inspect', 'copy'], repositories: ['**/**'] },
        ],
      },
    },
    { jobs: true },
  );
  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as any;
  };
  const stateOf = async (id: string) => (await call('fair-a', 'GET', `/v1/jobs/${id}`)).state;
  const stuck: string[] = [];
  for (const n of [1, 2, 3]) {
    const job = await call('fair-a', 'POST', '/v1/copy', {
      source: `${hostile}/slow/app:v${n}`,
      target: `${target}/${uniqueRepository('fair-stuck')}:v1`,
      wait: false,
    });
    expect(job.id, JSON.stringify(job)).toBeTruthy();
    stuck.push(job.id);
  }
  await new Promise((r) => setTimeout(r, 500)); // A's jobs take their slots (and hang there)

  const other = await call('fair-b', 'POST', '/v1/copy', {
    source: `${source}/ferry-test/v2s2:v1`,
    target: `${target}/${uniqueRepository('fair-other')}:v1`,
    wait: false,
  });
  const done = await waitForJob(service, other.id, { authorization: 'Bearer fair-b' }, 15);
  expect(done.state, JSON.stringify(done)).toBe('done');
  // Tenant A's jobs are still stuck: none failed, none finished.
  const states = await Promise.all(stuck.map(stateOf));
  expect(
    states.every((s) => s === 'running' || s === 'queued'),
    states.join(),
  ).toBe(true);
  for (const id of stuck) await call('fair-a', 'DELETE', `/v1/jobs/${id}`);
}, 60_000);

it("a tenant's job past its limit waits, queued, until one of its running jobs ends; then it runs", async () => {
  const service = makeService(
    {
      registries: {
        ...localRegistries(source, target),
        [hostile]: { insecure: true, headers: { 'x-ferry-fault': 'never-answer', 'x-ferry-fault-arg': 'manifests' } },
      },
      upstream: { headersTimeoutSeconds: 3600 },
      jobs: { tenantConcurrency: 2 },
    },
    { jobs: true },
  );
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as any;
  };
  const stuck: string[] = [];
  for (const n of [1, 2]) {
    const job = await send('POST', '/v1/copy', {
      source: `${hostile}/slow/app:v${n}`,
      target: `${target}/${uniqueRepository('lane-stuck')}:v1`,
      wait: false,
    });
    stuck.push(job.id);
  }
  await new Promise((r) => setTimeout(r, 500)); // the two take the tenant's slots (and hang there)
  const third = await send('POST', '/v1/copy', {
    source: `${source}/ferry-test/v2s2:v1`,
    target: `${target}/${uniqueRepository('lane-third')}:v1`,
    wait: false,
  });
  await new Promise((r) => setTimeout(r, 1500));
  const waiting = await send('GET', `/v1/jobs/${third.id}`);
  expect(waiting.state, JSON.stringify(waiting)).toBe('queued');
  if (service.workflows) expect(waiting.waiting).toMatchObject({ lane: 'tenant:anonymous' });

  await send('DELETE', `/v1/jobs/${stuck[0]}`);
  const done = await waitForJob(service, third.id, {}, 15);
  expect(done.state, JSON.stringify(done)).toBe('done');
  expect(done.waiting).toBeUndefined();
  await send('DELETE', `/v1/jobs/${stuck[1]}`);
}, 60_000);
