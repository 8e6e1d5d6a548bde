// Security review v2, B3 (attempt 68): two jobs reading from a registry that never answers held both of the
// runner's slots, and cancelling them did not free them: a cancel was heard only between steps, so every
// tenant's jobs stayed queued until the hostile socket closed. A cancel now aborts the job's requests at once.

import { expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const hostile = fixture.faultProxy;

// All three jobs are the anonymous tenant's: its two slots (jobs.tenantConcurrency) are what the stuck jobs
// hold. Another tenant's job runs meanwhile (fair-queues.test.ts).
it("a cancelled job whose registry never answers frees its slot: the tenant's queued job runs", async () => {
  const service = makeService(
    {
      registries: {
        ...localRegistries(source, target),
        [hostile]: { insecure: true, headers: { 'x-ferry-fault': 'never-answer', 'x-ferry-fault-arg': 'manifests' } },
      },
      // Far beyond the test: only the cancel can end these requests.
      upstream: { headersTimeoutSeconds: 3600 },
    },
    { jobs: true },
  );
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as any;
  };
  const state = async (id: string) => (await call('GET', `/v1/jobs/${id}`)).state;
  const stuck: string[] = [];
  for (const n of [1, 2]) {
    const job = await call('POST', '/v1/copy', {
      source: `${hostile}/slow/app:v${n}`,
      target: `${target}/${uniqueRepository('stuck')}:v1`,
      wait: false,
    });
    stuck.push(job.id);
  }
  for (let i = 0; i < 50 && (await Promise.all(stuck.map(state))).some((s) => s !== 'running'); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(await Promise.all(stuck.map(state))).toEqual(['running', 'running']);

  const other = await call('POST', '/v1/copy', {
    source: `${source}/ferry-test/v2s2:v1`,
    target: `${target}/${uniqueRepository('other-tenant')}:v1`,
    wait: false,
  });
  await new Promise((r) => setTimeout(r, 300));
  expect(await state(other.id)).toBe('queued');

  for (const id of stuck) expect((await call('DELETE', `/v1/jobs/${id}`)).state).toBe('cancelled');
  const done = await waitForJob(service, other.id, {}, 15);
  expect(done.state, JSON.stringify(done)).toBe('done');
  expect(await Promise.all(stuck.map(state))).toEqual(['cancelled', 'cancelled']);
}, 30_000);
