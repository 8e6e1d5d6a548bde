// A sync set's runs: planned, then carried out as copy jobs (one per source repository and hundred tags:
// Workflow instances on Workers, with the fair queues every job has) and prunes made in the run itself. A
// run settles when its jobs have ended: their results are recorded as what the set wrote, and its history
// gets its counts. One run of a set at a time.

import type { Deps } from '../../deps.js';
import { AppError, isAppError } from '../../errors.js';
import { syncSetRepositories, syncSetSources, type SyncSet } from '../../config/syncs.js';
import { authorStillAdmin } from '../../policy.js';
import type { StoredSyncSet } from './sets.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson } from '../../state/store.js';
import type { CopyResult, ManyCopyResult } from '../copy/index.js';
import { getJob, isFinished, startTagsCopyJob, type JobOwner, type JobRecord } from '../jobs/index.js';
import { planSync, type SyncPlan, type SyncStep } from './plan.js';
import { pruneTag } from './prune.js';
import { changeWritten } from './written.js';

export type SyncTrigger = 'manual' | 'schedule' | 'webhook';

export interface SyncRunError {
  repository: string;
  tag?: string;
  code: string;
  message: string;
}

export interface SyncRun {
  id: string;
  set: string;
  trigger: SyncTrigger;
  caller: string;
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  /** The copy jobs of the run (GET /v1/jobs/<id>). */
  jobs: string[];
  counts: { copied: number; skipped: number; pruned: number; failed: number };
  /** Bytes the copies moved. */
  bytes: number;
  /** Registry requests the run made: its plan, its prunes and its copy jobs (each hop, each try). */
  requests: number;
  /** "registry/repository:tag" of each tag deleted at the target. */
  pruned: string[];
  /** The first errors (of repositories, tags and prunes); the rest only counted. */
  errors: SyncRunError[];
}

// Tags per copy job: a Workflow instance's subrequests stay far under its budget (src/ops/jobs/batches.ts).
const TAGS_PER_JOB = 100;
// Errors a run's record keeps; the counts say how many there were.
const ERRORS_KEPT = 50;
// A run's record is kept this long.
const RUN_TTL_SECONDS = 90 * 24 * 3600;

/** The run under way (`sync:<set>|running`): which run, under which key. */
interface Running {
  id: string;
  key: string;
  /** When it started (epoch ms): a run still starting has no record yet. */
  at: number;
}

// A run whose record is still missing this long after its start never recorded itself (its start failed).
const START_MS = 10 * 60_000;

export interface SyncRunOptions {
  trigger: SyncTrigger;
  /** A source repository ("registry/repository") to sync alone (a push event for it). */
  only?: string;
}

/**
 * A run no caller asked for (a schedule, a push) runs only while the admin who wrote the set through the API
 * still administers all it names, as grants are now; a configured set is the operator's own.
 */
export function requireAuthorStillAdmin(deps: Deps, set: StoredSyncSet): void {
  if (!set.author || authorStillAdmin(deps.config.callers, set.author, syncSetRepositories(set))) return;
  throw new AppError('FORBIDDEN', `sync set "${set.name}": its author ${set.author.id} no longer administers it`, {
    details: { set: set.name, author: set.author.id },
  });
}

/**
 * Who a run no caller asked for (a schedule, a push event) runs as: the set itself, reading on its behalf and
 * mounting blobs from its own sources only.
 */
export function setOwner(set: SyncSet): JobOwner {
  return { id: `sync:${set.name}`, readScope: syncSetSources(set) };
}

/** Plans a run and answers with the plan: nothing is written. */
export function dryRunSync(deps: Deps, set: SyncSet, only?: string): Promise<SyncPlan> {
  return planSync(deps, set, only);
}

/** Starts a run of `set` for `owner`: its jobs queued, its prunes made. Refused while another runs. */
export async function startSyncRun(
  deps: Deps,
  set: SyncSet,
  owner: JobOwner,
  options: SyncRunOptions,
): Promise<{ run: SyncRun; plan: SyncPlan }> {
  await settleRunning(deps, set.name);
  const startedAt = deps.now();
  const id = crypto.randomUUID();
  const key = stateKeys.syncRun(set.name, startedAt, id);
  const running: Running = { id, key, at: startedAt };
  if (!(await deps.state.create(stateKeys.syncRunning(set.name), JSON.stringify(running)))) {
    const other = await getStateJson<Running>(deps.state, stateKeys.syncRunning(set.name));
    throw new AppError('CONFLICT', `a run of sync set "${set.name}" is under way: ${other?.value.id ?? 'unknown'}`);
  }
  // The plan's and the prunes' requests, counted; the jobs count theirs.
  const counted: Deps = { ...deps, requestsMade: { count: 0 } };
  try {
    const plan = await planSync(counted, set, options.only);
    const run: SyncRun = {
      id,
      set: set.name,
      trigger: options.trigger,
      caller: owner.id,
      state: 'running',
      startedAt: new Date(startedAt).toISOString(),
      jobs: [],
      counts: { copied: 0, skipped: plan.counts.skip, pruned: 0, failed: 0 },
      bytes: 0,
      requests: 0,
      pruned: [],
      errors: [],
    };
    for (const repository of plan.repositories) {
      if (repository.error) noteError(run, { repository: repository.source, ...repository.error });
      const copies = repository.steps.filter((s) => s.action === 'copy');
      for (let i = 0; i < copies.length; i += TAGS_PER_JOB) {
        const chunk = copies.slice(i, i + TAGS_PER_JOB);
        const request = {
          source: repository.source,
          target: repository.target,
          platforms: set.platforms,
          referrers: set.referrers,
        };
        // The plan asked the target about each tag: where it found another image (or none), the copy does not
        // ask again. A platform filter writes an image of its own, which the plan did not compare.
        const asked = set.platforms === 'all' && chunk.every((s) => !s.imageThere);
        const job = await startTagsCopyJob(
          deps,
          request,
          chunk.map((s) => s.tag),
          owner,
          { id: `${id}_${run.jobs.length}`, reason: `sync set "${set.name}"`, ...(asked ? { targetAsked: true } : {}) },
        );
        run.jobs.push(job.id);
      }
      await prune(counted, set, repository.target, repository.steps, run);
    }
    run.requests = counted.requestsMade!.count;
    if (!run.jobs.length) finishRun(deps, run);
    await deps.state.create(key, JSON.stringify(run), { ttlSeconds: RUN_TTL_SECONDS });
    if (!run.jobs.length) await deps.state.delete(stateKeys.syncRunning(set.name));
    return { run, plan };
  } catch (error) {
    await deps.state.delete(stateKeys.syncRunning(set.name));
    throw error;
  }
}

/** Deletes the tags the plan prunes and forgets every tag the set selects no more. */
async function prune(deps: Deps, set: SyncSet, target: string, steps: SyncStep[], run: SyncRun) {
  const dropped = steps.filter((s) => s.unselected);
  if (!dropped.length) return;
  const forgotten: string[] = [];
  for (const step of dropped) {
    if (step.action !== 'prune') {
      forgotten.push(step.tag);
      continue;
    }
    try {
      await pruneTag(deps, target, step.tag, step.digest!);
      run.counts.pruned++;
      run.pruned.push(`${target}:${step.tag}`);
      forgotten.push(step.tag);
    } catch (error) {
      if (!isAppError(error)) throw error;
      noteError(run, { repository: target, tag: step.tag, code: error.code, message: error.message });
    }
  }
  await changeWritten(deps, set.name, target, (tags) => {
    for (const tag of forgotten) delete tags[tag];
  });
}

function noteError(run: SyncRun, error: SyncRunError): void {
  run.counts.failed++;
  if (run.errors.length < ERRORS_KEPT) run.errors.push(error);
}

function finishRun(deps: Deps, run: SyncRun): void {
  run.state = run.counts.failed ? 'failed' : 'done';
  run.finishedAt = new Date(deps.now()).toISOString();
}

/** The set's runs, newest first (at most `limit`); the one under way is settled first if its jobs ended. */
export async function listSyncRuns(deps: Deps, set: string, limit = 20): Promise<SyncRun[]> {
  await settleRunning(deps, set);
  const page = await deps.state.list(stateKeys.syncRuns(set), { limit });
  return page.entries.map((e) => JSON.parse(e.value) as SyncRun);
}

/**
 * Settles the run under way once every job of it has ended: what they copied is recorded as written by the
 * set (so the next run skips it, and prune may delete it later), and the run gets its counts.
 */
async function settleRunning(deps: Deps, set: string): Promise<void> {
  const marker = await getStateJson<Running>(deps.state, stateKeys.syncRunning(set));
  if (!marker) return;
  const held = await getStateJson<SyncRun>(deps.state, marker.value.key);
  if (!held) {
    // A run still starting (its jobs queued before its record is written) is left to finish starting; one
    // that never recorded itself (its start failed half-way) has nothing to settle.
    if (deps.now() - (marker.value.at ?? 0) > START_MS) await deps.state.delete(stateKeys.syncRunning(set));
    return;
  }
  const run = held.value;
  const jobs: JobRecord[] = [];
  for (const id of run.jobs) {
    const job = await getJob(deps, id);
    if (job && !isFinished(job)) return;
    if (job) jobs.push(job);
  }
  for (const job of jobs) await settleJob(deps, run, job);
  finishRun(deps, run);
  if (await deps.state.update(marker.value.key, held.version, JSON.stringify(run), { ttlSeconds: RUN_TTL_SECONDS }))
    await deps.state.delete(stateKeys.syncRunning(set));
}

/** A finished copy job of a run: its tags recorded as written, its outcome counted. */
async function settleJob(deps: Deps, run: SyncRun, job: JobRecord): Promise<void> {
  if (job.kind !== 'copy') return;
  const target = job.request.target;
  const result = job.result as ManyCopyResult | undefined;
  const copied: CopyResult[] = result?.results ?? [];
  run.counts.copied += copied.length;
  run.bytes += job.progress.bytesDone ?? 0;
  run.requests += job.requests ?? 0;
  for (const failed of result?.failed ?? [])
    noteError(run, { repository: target, tag: failed.tag, code: failed.code, message: failed.message });
  if (!result && job.error) noteError(run, { repository: target, code: job.error.code, message: job.error.message });
  if (!copied.length) return;
  await changeWritten(deps, run.set, target, (tags) => {
    for (const r of copied)
      for (const tag of r.tags)
        tags[tag] = {
          source: r.source.slice(r.source.lastIndexOf('@') + 1),
          target: r.digest,
          ...(r.referrers ? { referrers: r.referrers.copied } : {}),
        };
  });
}
