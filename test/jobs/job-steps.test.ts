// On a durable step engine (Workflows) a job runs as steps: one per blob, then the job step, which finds
// the blobs at the target and moves no blob bytes. A replay skips finished steps; a failing blob step is
// retried, and reported, by the job step.

import { expect, inject, it } from 'vitest';
import {
  blobStepName,
  compactPlan,
  planJobBlobs,
  runJobInSteps,
  transferJobBlob,
  type DurableSteps,
  createCopyJob,
  createPromotionJobOnce,
  getJob,
} from '../../src/ops/jobs/index.js';
import { findRule } from '../../src/ops/promote/index.js';
import { blobTraffic, judge, uniqueRepository } from '../support/copying.js';
import { ANONYMOUS_OWNER, makeService, type TestService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

/** A step engine that records what ran (with the blob traffic seen meanwhile), and replays results it was given. */
function recordingSteps(service: TestService, replay: Map<string, unknown> = new Map()) {
  const ran: { name: string; blobGets: number; blobPuts: number }[] = [];
  const steps: DurableSteps = {
    async do<T>(name: string, run: () => Promise<T>): Promise<T> {
      if (replay.has(name)) return replay.get(name) as T;
      const before = blobTraffic(service);
      const result = await run();
      const after = blobTraffic(service);
      ran.push({ name, blobGets: after.gets - before.gets, blobPuts: after.puts - before.puts });
      return result;
    },
    async waitForEvent() {
      return false;
    },
  };
  return { steps, ran };
}

it('a copy job runs a step per blob, then a job step that moves no blob bytes', async () => {
  const service = makeService({ registries: localRegistries(source, target) });
  const repository = uniqueRepository('steps/copy');
  const job = await createCopyJob(
    service.deps,
    { source: `${source}/ferry-test/multiarch:v1`, target: `${target}/${repository}:v1` },
    ANONYMOUS_OWNER,
  );
  const { steps, ran } = recordingSteps(service);
  await runJobInSteps(service.deps, job.id, steps);

  const blobSteps = ran.filter((s) => s.name.startsWith('blob '));
  // Its slots (its tenant's, each registry's) are taken before it reaches a registry and given back after.
  expect(ran.slice(0, 2).map((s) => s.name)).toEqual(['take slots 0', 'plan blobs']);
  expect(ran.slice(-2).map((s) => s.name)).toEqual(['run job', 'give slots']);
  expect(blobSteps.length).toBeGreaterThan(2);
  expect(blobSteps.every((s) => s.name.startsWith(`blob ${target}/${repository} sha256:`))).toBe(true);
  // Blob steps run a few at a time: each blob was fetched and uploaded once in all, the job step moved none.
  expect(blobTraffic(service)).toMatchObject({ gets: blobSteps.length, puts: blobSteps.length });
  expect(ran.at(-2)).toMatchObject({ blobGets: 0, blobPuts: 0 });
  expect(await getJob(service.deps, job.id)).toMatchObject({
    state: 'done',
    result: { digest: fixture.skopeo.anonymous.multiarch!.digest },
  });
  expect((await judge(fixture.judge, 'copy-all', `${target}/${repository}:v1`)).ok).toBe(true);
});

it('a replay runs only the steps that had not finished', async () => {
  const service = makeService({ registries: localRegistries(source, target) });
  const repository = uniqueRepository('steps/replay');
  const job = await createCopyJob(
    service.deps,
    { source: `${source}/ferry-test/multiarch:v1`, target: `${target}/${repository}:v1` },
    ANONYMOUS_OWNER,
  );
  // A first run that got through the plan and two blobs before its host died.
  const first = recordingSteps(service);
  const blobs = await first.steps.do('plan blobs', () => planJobBlobs(service.deps, job.id));
  const replay = new Map<string, unknown>([
    ['take slots 0', { taken: true }],
    ['plan blobs', compactPlan(blobs)],
  ]);
  for (const blob of blobs.slice(0, 2)) {
    await first.steps.do(blobStepName(blob), async () => (await transferJobBlob(service.deps, blob), 'done'));
    replay.set(blobStepName(blob), 'done');
  }
  const second = recordingSteps(service, replay);
  await runJobInSteps(service.deps, job.id, second.steps);
  const names = second.ran.map((s) => s.name);
  expect(names.slice(-2)).toEqual(['run job', 'give slots']);
  expect(names.slice(0, -2).sort()).toEqual(blobs.slice(2).map(blobStepName).sort());
  expect(await getJob(service.deps, job.id)).toMatchObject({ state: 'done', runs: 1 });
});

it('a promotion job steps through the blobs of every target', async () => {
  const prod = [uniqueRepository('steps/prod-a'), uniqueRepository('steps/prod-b')];
  const staging = uniqueRepository('steps/staging');
  const service = makeService({
    registries: localRegistries(source, target),
    promotion: {
      rules: [
        {
          name: 'two',
          source: { repository: `${target}/${staging}`, tags: { exact: '1.0.0' } },
          targets: prod.map((p) => ({ repository: `${target}/${p}`, tags: ['{tag}'] })),
        },
      ],
    },
  });
  const staged = recordingSteps(service);
  const copy = await createCopyJob(
    service.deps,
    { source: `${source}/ferry-test/v2s2:v1`, target: `${target}/${staging}:1.0.0` },
    ANONYMOUS_OWNER,
  );
  await runJobInSteps(service.deps, copy.id, staged.steps);
  const job = await createPromotionJobOnce(
    service.deps,
    { source: `${target}/${staging}:1.0.0`, rule: await findRule(service.deps, 'two') },
    ANONYMOUS_OWNER,
    crypto.randomUUID(),
  ).then((r) => r.job);
  const { steps, ran } = recordingSteps(service);
  await runJobInSteps(service.deps, job.id, steps);
  const names = ran.map((s) => s.name).filter((n) => n.startsWith('blob '));
  for (const p of prod) expect(names.filter((n) => n.startsWith(`blob ${target}/${p} `)).length).toBeGreaterThan(0);
  expect(await getJob(service.deps, job.id)).toMatchObject({ state: 'done' });
  for (const p of prod)
    expect((await judge(fixture.judge, 'raw', `${target}/${p}:1.0.0`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);
});

it('a blob step that fails does not stop the job step, which reports the blob', async () => {
  const { repository, tag, missingBlob } = fixture.brokenImage;
  const service = makeService({
    registries: localRegistries(fixture.emptyRegistry, target),
  });
  const into = uniqueRepository('steps/broken');
  const job = await createCopyJob(
    service.deps,
    { source: `${fixture.emptyRegistry}/${repository}:${tag}`, target: `${target}/${into}:v1` },
    ANONYMOUS_OWNER,
  );
  const { steps, ran } = recordingSteps(service);
  await runJobInSteps(service.deps, job.id, steps);
  expect(ran.at(-2)!.name).toBe('run job');
  expect(service.logs.join('\n')).toContain('job: blob step failed');
  expect(await getJob(service.deps, job.id)).toMatchObject({
    state: 'failed',
    error: { code: 'NOT_FOUND', blob: missingBlob },
  });
});
