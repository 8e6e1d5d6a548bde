// A job whose runner died (a crash, a killed host) goes silent: its record stops changing. The sweep
// (a cron on Workers) and GET /v1/jobs/<id> wake such a job, and leave live and finished ones alone; a job
// that keeps losing its runner fails after MAX_JOB_WAKES wakes instead of being restarted for ever.

import { expect, inject, it } from 'vitest';
import type { JobQueue } from '../../src/deps.js';
import {
  blobStepName,
  expandPlan,
  type CompactPlan,
  createCopyJob,
  getJob,
  MAX_JOB_WAKES,
  reviveStaleJobs,
  runJob,
  updateJob,
} from '../../src/ops/jobs/index.js';
import { SLOT_WAIT_MS } from '../../src/ops/jobs/lane-slots.js';
import { uniqueRepository } from '../support/copying.js';
import { ANONYMOUS_OWNER, makeService } from '../support/service.js';
import { runtimeName } from '@test-runtime';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const STALE_SECONDS = 30;

function recordingQueue(): JobQueue & { woken: string[] } {
  const woken: string[] = [];
  return { woken, enqueue: () => undefined, wake: (id) => void woken.push(id), cancel: () => undefined };
}

function serviceWithClock() {
  const service = makeService({
    registries: localRegistries(source, target),
    jobs: { staleAfterSeconds: STALE_SECONDS },
  });
  let clock = Date.parse('2026-11-27T10:00:00Z');
  const queue = recordingQueue();
  service.deps.now = () => clock;
  service.deps.jobs = queue;
  return { service, queue, advance: (seconds: number) => (clock += seconds * 1000) };
}

const copyRequest = () => ({
  source: `${source}/ferry-test/v2s2:v1`,
  target: `${target}/${uniqueRepository('jobs/silent')}:v1`,
});

it('the sweep wakes a job only once its record has been silent for jobs.staleAfterSeconds', async () => {
  const { service, queue, advance } = serviceWithClock();
  const job = await createCopyJob(service.deps, copyRequest(), ANONYMOUS_OWNER);
  advance(STALE_SECONDS - 1);
  expect(await reviveStaleJobs(service.deps)).toBe(0);
  expect(queue.woken).toEqual([]);
  advance(2);
  expect(await reviveStaleJobs(service.deps)).toBe(1);
  expect(queue.woken).toEqual([job.id]);
  expect(service.logs.join('\n')).toContain('job went silent: waking it');
});

it(`a started job woken ${MAX_JOB_WAKES} times without finishing fails, and later sweeps leave it alone`, async () => {
  const { service, queue, advance } = serviceWithClock();
  const job = await createCopyJob(service.deps, copyRequest(), ANONYMOUS_OWNER);
  await updateJob(service.deps, job.id, (held) => ({ ...held, state: 'running', runs: 1 }));
  for (let sweep = 1; sweep <= MAX_JOB_WAKES; sweep++) {
    advance(STALE_SECONDS + 1);
    expect(await reviveStaleJobs(service.deps)).toBe(1);
  }
  expect(queue.woken).toHaveLength(MAX_JOB_WAKES);
  advance(STALE_SECONDS + 1);
  expect(await reviveStaleJobs(service.deps)).toBe(0);
  expect(await getJob(service.deps, job.id)).toMatchObject({
    state: 'failed',
    error: { code: 'INTERNAL', message: expect.stringContaining(`stopped ${MAX_JOB_WAKES} times`) },
  });
  for (let sweep = 0; sweep < 3; sweep++) {
    advance(STALE_SECONDS * 10);
    expect(await reviveStaleJobs(service.deps)).toBe(0);
  }
  expect(queue.woken).toHaveLength(MAX_JOB_WAKES);
});

it('a queued job (its turn not come, or its instance never made) is woken each time it goes silent, and never failed for it', async () => {
  const { service, queue, advance } = serviceWithClock();
  const job = await createCopyJob(service.deps, copyRequest(), ANONYMOUS_OWNER);
  for (let sweep = 1; sweep <= MAX_JOB_WAKES + 3; sweep++) {
    advance(STALE_SECONDS + 1);
    expect(await reviveStaleJobs(service.deps)).toBe(1);
  }
  expect(queue.woken).toHaveLength(MAX_JOB_WAKES + 3);
  expect((await getJob(service.deps, job.id))?.state).toBe('queued');
});

it('a job waiting for a slot (asking again every SLOT_WAIT_MS) is silent only after that wait too', async () => {
  const { service, queue, advance } = serviceWithClock();
  const job = await createCopyJob(service.deps, copyRequest(), ANONYMOUS_OWNER);
  await updateJob(service.deps, job.id, (held) => ({
    ...held,
    waiting: { lane: 'tenant:anonymous', since: held.createdAt },
  }));
  advance(STALE_SECONDS + SLOT_WAIT_MS / 1000 - 1);
  expect(await reviveStaleJobs(service.deps)).toBe(0);
  advance(2);
  expect(await reviveStaleJobs(service.deps)).toBe(1);
  expect(queue.woken).toEqual([job.id]);
});

it('two sweeps that see the same silence wake the job once', async () => {
  const { service, queue, advance } = serviceWithClock();
  const job = await createCopyJob(service.deps, copyRequest(), ANONYMOUS_OWNER);
  advance(STALE_SECONDS + 1);
  expect(
    (await Promise.all([reviveStaleJobs(service.deps), reviveStaleJobs(service.deps)])).reduce((a, b) => a + b),
  ).toBe(1);
  expect(queue.woken).toEqual([job.id]);
});

it('GET /v1/jobs/<id> wakes a silent job and answers with its record', async () => {
  const { service, queue, advance } = serviceWithClock();
  const job = await createCopyJob(service.deps, copyRequest(), ANONYMOUS_OWNER);
  expect((await service.app.request(`/v1/jobs/${job.id}`)).status).toBe(200);
  expect(queue.woken).toEqual([]);
  advance(STALE_SECONDS + 1);
  const res = await service.app.request(`/v1/jobs/${job.id}`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { state: string }).state).toBe('queued');
  expect(queue.woken).toEqual([job.id]);
});

it('a finished job is never woken, however old', async () => {
  const { service, queue, advance } = serviceWithClock();
  const job = await createCopyJob(service.deps, copyRequest(), ANONYMOUS_OWNER);
  await runJob(service.deps, job.id);
  expect((await getJob(service.deps, job.id))?.state).toBe('done');
  advance(STALE_SECONDS * 100);
  await service.app.request(`/v1/jobs/${job.id}`);
  expect(await reviveStaleJobs(service.deps)).toBe(0);
  expect(queue.woken).toEqual([]);
});

it.runIf(runtimeName === 'workerd')(
  "worker.ts's cron trigger wakes a silent job as a Workflow instance, which runs it to the end",
  async () => {
    // @ts-expect-error -- 'cloudflare:workers' exists only inside workerd.
    const { env } = await import('cloudflare:workers');
    const { introspectWorkflowInstance } = await import('cloudflare:test');
    const { default: worker, depsFromEnv } = await import('../../worker.js');
    const deps = depsFromEnv(env);
    const repository = uniqueRepository('jobs/cron');
    const job = await createCopyJob(
      deps,
      { source: `${source}/ferry-test/v2s2:v1`, target: `${target}/${repository}:v1` },
      ANONYMOUS_OWNER,
    );
    // Its runner died an hour ago: no Workflow instance holds it.
    await updateJob({ ...deps, now: () => Date.now() - 3600_000 }, job.id, (stored) => ({
      ...stored,
      state: 'running',
      runs: 1,
    }));
    const instance = await introspectWorkflowInstance(env.FERRY_JOBS, job.id);
    const waits: Promise<unknown>[] = [];
    worker.scheduled({}, env, { waitUntil: (p: Promise<unknown>) => void waits.push(p) });
    await Promise.all(waits);
    let record = await getJob(deps, job.id);
    for (let i = 0; i < 150 && record?.state !== 'done' && record?.state !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      record = await getJob(deps, job.id);
    }
    expect(record, JSON.stringify(record)).toMatchObject({
      state: 'done',
      runs: 2,
      result: { digest: fixture.skopeo.anonymous.v2s2!.digest },
    });
    // The instance ran in steps: the plan, a step per blob, then the job step.
    await instance.waitForStatus('complete');
    const blobs = expandPlan((await instance.waitForStepResult({ name: 'plan blobs' })) as CompactPlan);
    expect(blobs.length).toBeGreaterThan(0);
    for (const blob of blobs) expect(await instance.waitForStepResult({ name: blobStepName(blob) })).toBe('done');
    expect(await instance.waitForStepResult({ name: 'run job' })).toBe('done');
    await instance.dispose();
  },
  60_000,
);
