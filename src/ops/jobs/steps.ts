// A job cut into durable steps for an engine that checkpoints them (Cloudflare Workflows): first each
// blob in a step of its own (its own retries, its own CPU and subrequest budget, never redone once
// finished), then the job itself, which finds those blobs at the target and only pushes manifests and
// tags. The job step stays the one truth: a blob step that failed is simply tried again there, and
// reported there.

import type { Deps } from '../../deps.js';
import { AppError, isAppError } from '../../errors.js';
import { withManagedRegistries, ensureRepository } from '../registries/index.js';
import { parseReference, parseRepositoryName } from '../../reference.js';
import {
  BlobMemory,
  transferBlob,
  transferBlobPart,
  type UploadPoint,
  silentReporter,
  type CopyReporter,
  planCopy,
  parseCopySpec,
  spansSteps,
  copySubjects,
  blobEnds,
  prepareCopy,
} from '../copy/index.js';
import { runPool } from '../../pool.js';
import { ProgressTracker } from './progress.js';
import {
  checkBatches,
  finishBatches,
  finishBlobBatch,
  listJobTags,
  startBatches,
  startBlobBatches,
} from './batches.js';
import { getJob, isFinished, type JobRecord } from './record.js';
import { noteProgress, progressWriter } from './progress-writer.js';
import { runJob, tracedAs } from './run.js';
import { chooseMirrorTags } from './mirror.js';
import { giveJobSlots, SLOT_FREE, SLOT_WAIT_MS, takeSlotsOnce } from './lane-slots.js';
import { jobLanes } from './fair-slots.js';
import { blobStepName, compactPlan, expandPlan, type BlobStep, type CompactPlan } from './blob-plan.js';
import { preparePromotion, type PreparedPromotion } from '../promote/index.js';

/**
 * What the plan step returns (a step's result, kept by the engine): the blobs to bring ahead, compact, and
 * a promotion job's promotion, prepared once (its rule read, its signatures verified) for the job step.
 */
export interface JobPlan extends CompactPlan {
  promotion?: PreparedPromotion;
}

async function plan(deps: Deps, job: JobRecord): Promise<{ blobs: BlobStep[]; promotion?: PreparedPromotion }> {
  if (job.kind === 'promote') {
    const prepared = await preparePromotion(deps, job.promotion.source, job.promotion);
    const promotion = prepared.plan;
    if (promotion.steps.some((s) => s.action === 'conflict')) return { blobs: [], promotion: prepared };
    const source = parseReference(promotion.source);
    const targets = [...new Set(promotion.steps.filter((s) => s.action !== 'unchanged').map((s) => s.target))];
    const copy = await planCopy(deps, source.registry, source.repository, promotion.digest, {
      platforms: 'all',
      unwrap: false,
    });
    const blobs = targets.flatMap((target) =>
      copy.blobs.map((b) => ({ source: `${source.registry}/${source.repository}`, target, ...b, verify: false })),
    );
    return { blobs, promotion: prepared };
  }
  const spec = parseCopySpec(job.request);
  // Copies of many tags plan one image at a time: the job step does them whole.
  if (spec.kind === 'repository') return { blobs: [] };
  const { plan: copy } = await prepareCopy(deps, spec);
  const { source: from, target: to } = copySubjects(spec);
  return { blobs: copy.blobs.map((b) => ({ source: from, target: to, ...b, verify: spec.verify })) };
}

/**
 * The job's plan step: the blobs the job will need at its targets, and its promotion prepared. No blobs
 * when there is nothing to do ahead, or when planning fails: the job step meets the same failure and
 * records it with its code.
 */
export async function planJob(deps: Deps, id: string): Promise<JobPlan> {
  const job = await getJob(deps, id);
  if (!job || isFinished(job)) return compactPlan([]);
  try {
    const { blobs, promotion } = await plan(deps, job);
    return { ...compactPlan(blobs), ...(promotion ? { promotion } : {}) };
  } catch (error) {
    deps.log.info('job: no blob steps, the job step plans itself', {
      id,
      reason: error instanceof Error ? error.message : 'unknown',
    });
    return compactPlan([]);
  }
}

/** The blobs of the job's plan step, one step each. */
export async function planJobBlobs(deps: Deps, id: string): Promise<BlobStep[]> {
  return expandPlan(await planJob(deps, id));
}

/**
 * Brings one blob to its target (skipped when there; a recorded chunked upload continues). A blob bound
 * for a chunked target and larger than `jobs.stepBytes` goes in parts: each call moves at most that much
 * from `from` and returns where it stopped, for the next step.
 */
export async function transferJobBlob(
  deps: Deps,
  step: BlobStep,
  from?: UploadPoint,
  reporter: CopyReporter = silentReporter,
  uploadOwner?: string,
): Promise<UploadPoint | 'done'> {
  const target = parseRepositoryName(step.target);
  // A lone blob step has no remembered locations: only the source itself, on the same registry, is mounted from.
  const ends = blobEnds(deps, parseRepositoryName(step.source), target, {
    verify: step.verify,
    ...(uploadOwner ? { uploadOwner } : {}),
  });
  const blob = { digest: step.digest, size: step.size, mediaType: step.mediaType };
  if (spansSteps(ends, blob, deps.config.jobStepBytes) && !step.verify) {
    return transferBlobPart(deps, ends, blob, from, deps.config.jobStepBytes);
  }
  // One blob on its own: the job step's copy remembers where the image went.
  await transferBlob(deps, ends, blob, BlobMemory.none(target.registry), reporter, {
    remaining: deps.config.retryBudget,
  });
  return 'done';
}

/** A durable step engine as the job sees it (a Workflow's `step`, with its retry policy bound in). */
export interface DurableSteps {
  /** Runs `run` as the step `name`; a replay after a crash returns a finished step's result instead. */
  do<T>(name: string, run: () => Promise<T>): Promise<T>;
  /**
   * Waits for an event of `type` sent to this job (JobQueue.notify; a Workflow's step.waitForEvent, which
   * keeps an event sent before the wait); false when `ms` passed first.
   */
  waitForEvent(name: string, type: string, ms: number): Promise<boolean>;
}

/** The event a batch sends its parent when it ends. */
export const BATCH_ENDED = 'batch-ended';

// How long a parent waits for a batch's event before it counts again: a batch that failed whole (its run
// threw past its retries) sends none, and the parent finds it ended by counting.
const BATCH_WAIT_MS = 10 * 60_000;

/**
 * A many-tags job: its tags in batches, each a job of its own, then their results gathered. A sync run's job
 * plans its repository in its first step instead of listing every tag.
 */
async function runInBatches(deps: Deps, job: JobRecord, steps: DurableSteps): Promise<void> {
  const { id } = job;
  const chosen =
    job.kind === 'copy' && job.mirror
      ? await steps.do('plan mirror', () => chooseMirrorTags(deps, id))
      : { tags: await steps.do('list tags', () => listJobTags(deps, id)), targetAsked: false };
  const batches = await steps.do('start batches', () => startBatches(deps, id, chosen.tags, chosen.targetAsked));
  await awaitBatches(deps, id, steps, batches);
  await steps.do('finish batches', async () => (await finishBatches(deps, id, batches), 'done'));
}

// Subrequests of one instance's blob steps (4 a streamed blob) above which a promotion to several targets
// hands each target's blobs to an instance of its own: an instance has 10,000 for all its steps.
const INSTANCE_BLOB_SUBREQUESTS = 4000;

/** Each blob in its step (or steps, in parts), a few at a time; a failed one is left to the job step. */
async function runBlobSteps(deps: Deps, id: string, steps: DurableSteps, blobs: BlobStep[]): Promise<void> {
  const tracker = new ProgressTracker({ blobs: blobs.length, bytes: blobs.reduce((sum, b) => sum + b.size, 0) });
  const writer = progressWriter(deps, () => {
    const progress = tracker.snapshot();
    return () => noteProgress(deps, id, progress);
  });
  await noteProgress(deps, id, tracker.snapshot());
  try {
    await runPool(blobs, deps.config.copyConcurrency, async (blob) => {
      // This blob's bytes as its step moves them. A step replayed after a restart, a blob in parts and a
      // failed step report no end of their own: the blob counts as done once its steps are over.
      let ended = false;
      const reporter: CopyReporter = {
        wantsProgress: true,
        emit: (event) => {
          if (ended) return;
          ended = event.type === 'done' || event.type === 'skipped' || event.type === 'mounted';
          if (tracker.observe(event)) writer.changed();
        },
      };
      reporter.emit({ type: 'started', blob: blob.digest, size: blob.size });
      try {
        // A blob in parts: each step starts where the last one's output says. A blob that started over
        // takes more parts; one that keeps starting over fails here and is tried again by the job step.
        let point = await steps.do(blobStepName(blob), () => transferJobBlob(deps, blob, undefined, reporter, id));
        const maxParts = 2 * Math.ceil(blob.size / deps.config.jobStepBytes) + 2;
        for (let part = 2; point !== 'done'; part++) {
          if (part > maxParts)
            throw new AppError('UPSTREAM_UNAVAILABLE', `blob ${blob.digest}: no end after ${maxParts} steps`);
          const from: UploadPoint = point;
          point = await steps.do(`${blobStepName(blob)} part ${part}`, () =>
            transferJobBlob(deps, blob, from, silentReporter, id),
          );
        }
      } catch (error) {
        // The job step tries this blob again, and reports it if it fails there too.
        deps.log.warn('job: blob step failed', {
          id,
          blob: blob.digest,
          reason: error instanceof Error ? error.message : 'unknown',
        });
      }
      reporter.emit({ type: 'done', blob: blob.digest, size: blob.size });
    });
  } finally {
    await writer.stop();
  }
}

/**
 * Waits for the batches to end: counts the unfinished ones (from the job index), then waits for a batch's
 * event, until none is left. Two steps a batch, and one more per BATCH_WAIT_MS a batch runs without any
 * other ending: see `limits.steps` in wrangler.toml for what the longest job takes.
 */
async function awaitBatches(deps: Deps, id: string, steps: DurableSteps, ids: string[]): Promise<void> {
  for (let round = 0; ; round++) {
    if ((await steps.do(`check batches ${round}`, () => checkBatches(deps, id, ids))) === 0) return;
    await steps.waitForEvent(`batch ended ${round}`, BATCH_ENDED, BATCH_WAIT_MS);
  }
}

/** A batch that ended tells its parent, which waits for it; a parent that misses it counts again later. */
async function tellParent(deps: Deps, steps: DurableSteps, job: JobRecord | null): Promise<void> {
  const parent = job?.parent;
  if (!parent || !deps.jobs?.notify) return;
  await steps.do('tell parent', async () => {
    await Promise.resolve(deps.jobs!.notify!(parent, BATCH_ENDED)).catch((error: unknown) =>
      deps.log.warn('job: could not tell the parent a batch ended', {
        id: job.id,
        parent,
        reason: error instanceof Error ? error.message : 'unknown',
      }),
    );
    return 'done';
  });
}

/**
 * Waits until the job holds a slot in each of its lanes (its tenant's, each registry's: lane-slots.ts),
 * asking again when told a slot came free or after SLOT_WAIT_MS. False when the job ended meanwhile.
 */
async function takeSlots(deps: Deps, id: string, steps: DurableSteps): Promise<boolean> {
  let waitingAt: string | undefined;
  for (let round = 0; ; round++) {
    const answer = await steps.do(`take slots ${round}`, () => takeSlotsOnce(deps, id, waitingAt));
    if (answer === 'ended') return false;
    if (answer.taken) return true;
    waitingAt = answer.waitingAt;
    await steps.waitForEvent(`slot free ${round}`, SLOT_FREE, SLOT_WAIT_MS);
  }
}

/** Repositories the target registry wants created before blobs arrive (ECR), in a step of their own when any does. */
async function prepareTargets(deps: Deps, steps: DurableSteps, job: JobRecord, blobs: BlobStep[]): Promise<void> {
  const targets = [...new Set(blobs.map((b) => b.target))].map(parseRepositoryName);
  const wanted = targets.filter((t) => {
    const cloud = deps.config.registries.get(t.registry)?.cloud;
    return cloud?.kind === 'aws' && cloud.createRepositories;
  });
  if (!wanted.length) return;
  await steps.do('create target repositories', async () => {
    for (const t of wanted) await ensureRepository(deps, t.registry, t.repository, job.caller);
    return 'done';
  });
}

/** Plan, each blob (or each target's blobs in batches), then the job step, which finds the blobs in place. */
async function runPlanned(deps: Deps, steps: DurableSteps, job: JobRecord): Promise<void> {
  const { id } = job;
  const plan = await steps.do('plan blobs', () => planJob(deps, id));
  const blobs = expandPlan(plan);
  if (job.kind === 'promote' && deps.jobs && plan.groups.length > 1 && 4 * blobs.length > INSTANCE_BLOB_SUBREQUESTS) {
    const batches = await steps.do('start target batches', () => startBlobBatches(deps, id, plan));
    await awaitBatches(deps, id, steps, batches);
  } else if (blobs.length) {
    await prepareTargets(deps, steps, job, blobs);
    await runBlobSteps(deps, id, steps, blobs);
  }
  const promotion = plan.promotion ? { promotion: plan.promotion } : {};
  await steps.do(
    'run job',
    async () => (await runJob(deps, id, { blobsPlaced: blobs.length > 0, ...promotion }), 'done'),
  );
}

/**
 * Runs a job as steps: its slots taken (lane-slots.ts), plan, each blob (a few at a time), then the job,
 * which finds the blobs in place, and its slots given back. A many-tags job (not itself a batch) runs in
 * batches instead; a promotion whose blobs for all its targets would pass an instance's budget moves each
 * target's blobs in a batch of its own first.
 */
export async function runJobInSteps(given: Deps, id: string, durable: DurableSteps): Promise<void> {
  const managed = await withManagedRegistries(given);
  const job = await getJob(managed, id);
  // Under the trace of the request that made the job; one log line per step, as it ends.
  const deps: Deps = { ...managed, ...(job ? tracedAs(managed, job) : {}) };
  const steps: DurableSteps = {
    ...durable,
    // Logged where the step runs, not where a replay hands back its result.
    do: <T>(name: string, run: () => Promise<T>) =>
      durable.do(name, async (): Promise<T> => {
        const started = deps.now();
        const line = (outcome: string) =>
          deps.log.info('job step', { step: name, outcome, durationMs: deps.now() - started });
        try {
          const result = await run();
          line('ok');
          return result;
        } catch (error) {
          line(isAppError(error) ? error.code : 'INTERNAL');
          throw error;
        }
      }),
  };
  if (job && !job.tags && job.kind === 'copy' && parseCopySpec(job.request).kind === 'repository' && deps.jobs)
    return runInBatches(deps, job, steps);
  if (job?.blobs) {
    // A batch of a promotion's blobs for one target: its blobs, then it is done; the promotion pushes.
    await prepareTargets(deps, steps, job, expandPlan(job.blobs));
    await runBlobSteps(deps, id, steps, expandPlan(job.blobs));
    await steps.do('blobs placed', async () => (await finishBlobBatch(deps, id), 'done'));
    return tellParent(deps, steps, job);
  }
  // A job takes its slots before it reaches any registry. A many-tags parent and a promotion's blob batches
  // take none: they wait for, or are part of, a job that holds them.
  if (job && !isFinished(job) && (await takeSlots(deps, id, steps))) {
    try {
      await runPlanned(deps, steps, job);
    } finally {
      await steps.do('give slots', async () => (await giveJobSlots(deps, id, jobLanes(job)), 'done'));
    }
  }
  await tellParent(deps, steps, job);
}
