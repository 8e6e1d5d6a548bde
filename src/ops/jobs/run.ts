// A job run to its end: a copy or a promotion, its progress written, its outcome audited and recorded.

import { withLogFields, type Deps } from '../../deps.js';
import { isAppError } from '../../errors.js';
import { matcherOf } from '../../policy.js';
import { heldUntil } from '../../registry/retry.js';
import { auditCopy, auditPromotion } from '../audit.js';
import { executePromotion, preparePromotion, type PreparedPromotion, type PromotionPlan } from '../promote/index.js';
import type { CopyEvent } from '../copy/index.js';
import { copyImage, copyRepository, parseCopySpec } from '../copy/index.js';
import { withManagedRegistries } from '../registries/index.js';
import { ProgressTracker } from './progress.js';
import { progressWriter } from './progress-writer.js';
import { chooseMirrorTags } from './mirror.js';
import { failedTagsError, isFinished, updateJob, type JobRecord } from './record.js';

/**
 * Runs a job to its end. `blobsPlaced`: earlier steps brought its blobs to the target (runJobInSteps);
 * `signal`: the runner cancels it (in process); `promotion`: the job's plan step prepared it already.
 */
export async function runJob(
  given: Deps,
  id: string,
  options: { blobsPlaced?: boolean; signal?: AbortSignal; promotion?: PreparedPromotion } = {},
): Promise<void> {
  const deps = await withManagedRegistries(given);
  const started = await updateJob(deps, id, (stored) =>
    isFinished(stored)
      ? null
      : { ...stored, state: 'running', runs: stored.runs + 1, progress: { blobsDone: 0, blobsTotal: 0 } },
  );
  if (!started || isFinished(started)) return;
  const job: JobRecord = started;
  // A cancel reaches a running job through its runner (signal) or its record: the progress and heartbeat
  // writes see it finished in the store, and the copy then starts nothing more and writes no tag.
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort());
  // The registry requests of the run go out under its signal: a cancel aborts them where they are.
  const registryDeps: Deps = {
    ...deps,
    signal: stop.signal,
    hostsReached: new Set(),
    requestsMade: { count: 0 },
    ...tracedAs(deps, job),
  };
  const ranFrom = deps.now();
  const tracker = new ProgressTracker();
  const writer = progressWriter(deps, () => {
    const progress = tracker.snapshot();
    return async () => {
      const stored = await updateJob(deps, id, (held) => (isFinished(held) ? null : { ...held, progress }));
      if (isFinished(stored)) stop.abort();
    };
  });
  const emit = (event: CopyEvent) => tracker.observe(event) && writer.changed();
  // Progress events (bytes per blob) for the job's page; the record is written at most once a second.
  const reporter = { emit, wantsProgress: true };
  let plan: PromotionPlan | undefined;
  let pausedUntil: number | undefined;
  try {
    if (job.kind === 'promote') {
      // Prepared by the job's plan step (Workflows), or here: the rule is read and signatures verified once.
      const prepared = options.promotion ?? (await preparePromotion(registryDeps, job.promotion.source, job.promotion));
      plan = prepared.plan;
      const outcome = await executePromotion(registryDeps, prepared, reporter, job.caller, {
        blobsPlaced: options.blobsPlaced === true,
        readable: matcherOf(job.readScope ?? []),
        signal: stop.signal,
        uploadOwner: id,
      });
      job.state = 'done';
      job.result = outcome;
      await auditPromotion(deps, job.caller, job.promotion.source, plan, undefined, {
        job: id,
        rule: job.promotion.rule,
        ...(job.trigger ? { trigger: job.trigger } : {}),
      });
    } else {
      const spec = parseCopySpec(job.request);
      const copyOptions = {
        blobsPlaced: options.blobsPlaced === true,
        readable: matcherOf(job.readScope ?? []),
        signal: stop.signal,
        actor: job.caller,
        uploadOwner: id,
      };
      if (spec.kind === 'image') {
        const result = await copyImage(registryDeps, spec, reporter, copyOptions);
        job.result = result;
        await auditCopy(deps, job.caller, job.request, { results: [result] }, id, registryDeps.hostsReached);
      } else {
        // A sync run's job plans its repository first (and prunes); a batch has its tags, chosen already.
        const chosen = job.mirror && !job.tags ? await chooseMirrorTags(deps, id) : undefined;
        const tags = chosen?.tags ?? job.tags;
        const selected = tags ? { selectedTags: tags } : {};
        // Asked as the tags were chosen; a batch run again asks anew (its first run may have written them).
        const asked = (chosen ? chosen.targetAsked : job.targetAsked && job.runs === 1) ? { targetAsked: true } : {};
        const result = await copyRepository(registryDeps, spec, reporter, {
          ...copyOptions,
          ...selected,
          ...asked,
          keepGoing: true,
        });
        job.result = result;
        await auditCopy(deps, job.caller, job.request, { results: result.results }, id, registryDeps.hostsReached);
        // The other tags are copied; the job says which were not, and fails as the first of them.
        if (result.failed?.length)
          job.error = failedTagsError(result.failed, result.failed.length + result.results.length);
      }
      job.state = job.error ? 'failed' : 'done';
    }
  } catch (error) {
    // A registry held past what this runner may wait (a Workflow step): the job sleeps, then runs again.
    pausedUntil = deps.maxRegistryWaitMs !== undefined ? heldUntil(error) : undefined;
    if (pausedUntil !== undefined) throw error;
    job.state = 'failed';
    const blob = isAppError(error) && typeof error.details?.blob === 'string' ? error.details.blob : undefined;
    job.error = {
      code: isAppError(error) ? error.code : 'INTERNAL',
      message: isAppError(error) ? error.message : 'internal error',
      ...(blob ? { blob } : {}),
    };
    if (job.kind === 'promote') {
      await auditPromotion(deps, job.caller, job.promotion.source, plan, job.error, {
        job: id,
        rule: job.promotion.rule,
        ...(job.trigger ? { trigger: job.trigger } : {}),
      });
      if (job.trigger)
        deps.log.error('webhook promotion failed', {
          job: id,
          rule: job.promotion.rule,
          source: job.promotion.source,
          receiver: job.trigger.receiver,
          delivery: job.trigger.delivery,
          code: job.error.code,
          detail: job.error.message,
        });
    } else
      await auditCopy(
        deps,
        job.caller,
        job.request,
        { error: { code: job.error.code } },
        id,
        registryDeps.hostsReached,
      );
  } finally {
    await writer.stop();
    if (pausedUntil !== undefined) await holdJob(deps, id, pausedUntil);
  }
  job.requests = registryDeps.requestsMade!.count;
  await finish(deps, id, job, tracker);
  registryDeps.log.info('job run', {
    kind: job.kind,
    caller: job.caller,
    outcome: job.error?.code ?? job.state,
    registries: [...registryDeps.hostsReached!].sort().join(','),
    requests: job.requests,
    durationMs: deps.now() - ranFrom,
  });
}

/** A job's run under the trace of the request that made it: its requests carry it, its log lines name it. */
export function tracedAs(deps: Deps, job: Pick<JobRecord, 'id' | 'trace'>): Pick<Deps, 'log' | 'trace'> {
  const fields = { job: job.id, ...(job.trace ? { traceId: job.trace.traceId } : {}) };
  return { log: withLogFields(deps.log, fields), ...(job.trace ? { trace: job.trace } : {}) };
}

/** A job that waits for a registry's hold to end: queued again, saying until when (the sweep leaves it be). */
export async function holdJob(deps: Deps, id: string, until: number): Promise<void> {
  const since = new Date(deps.now()).toISOString();
  const waiting = { lane: 'registry hold', since, until: new Date(until).toISOString() };
  await updateJob(deps, id, (stored) => (isFinished(stored) ? null : { ...stored, state: 'queued', waiting }));
}

/** Records how the run ended, unless the job ended already (a cancel). */
async function finish(deps: Deps, id: string, job: JobRecord, tracker: ProgressTracker): Promise<void> {
  const { state, result, error, requests } = job;
  const { active: _moving, ...progress } = tracker.snapshot(); // nothing moves once a job has ended
  const ended = { state, progress, requests, ...(result ? { result } : {}), ...(error ? { error } : {}) };
  await updateJob(deps, id, (stored) => (isFinished(stored) ? null : { ...stored, ...ended }));
}
