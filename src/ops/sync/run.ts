// A sync set's runs: a job per source repository (a Workflow instance on Workers, with the fair queues every
// job has), which plans its repository where it runs, prunes, and copies what changed (src/ops/jobs/mirror.ts):
// starting a run reaches no registry but a catalog. A run settles when its jobs have ended: what they copied is
// recorded as written by the set, and its history gets their counts. One run of a set at a time.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { syncSetRepositories, syncSetSources, syncSetTargets, type SyncSet } from '../../config/syncs.js';
import { authorStillAdmin } from '../../policy.js';
import type { StoredSyncSet } from './sets.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson } from '../../state/store.js';
import type { CopyResult, ManyCopyResult } from '../copy/index.js';
import { publishEvent } from '../events/index.js';
import { getJob, isFinished, startMirrorJob, type JobOwner, type JobRecord } from '../jobs/index.js';
import { changeWritten, mirrorSettings } from '../mirror/index.js';
import { learnRegistries, planSync, syncPairs, type SyncPlan } from './plan.js';

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

/** Starts a run of `set` for `owner`: a job per repository, queued. Refused while another runs. */
export async function startSyncRun(
  deps: Deps,
  set: SyncSet,
  owner: JobOwner,
  options: SyncRunOptions,
): Promise<{ run: SyncRun }> {
  await settleSyncRun(deps, set.name);
  const startedAt = deps.now();
  const id = crypto.randomUUID();
  const key = stateKeys.syncRun(set.name, startedAt, id);
  const running: Running = { id, key, at: startedAt };
  if (!(await deps.state.create(stateKeys.syncRunning(set.name), JSON.stringify(running)))) {
    const other = await getStateJson<Running>(deps.state, stateKeys.syncRunning(set.name));
    throw new AppError('CONFLICT', `a run of sync set "${set.name}" is under way: ${other?.value.id ?? 'unknown'}`);
  }
  // The catalog's requests (a prefix's repositories), counted; the jobs count theirs.
  const counted: Deps = { ...deps, requestsMade: { count: 0 } };
  try {
    const pairs = await syncPairs(counted, set, options.only);
    // Each registry's auth learned here, once: jobs in this process find it rather than each asking on its own.
    await learnRegistries(counted, set, pairs);
    const run: SyncRun = {
      id,
      set: set.name,
      trigger: options.trigger,
      caller: owner.id,
      state: 'running',
      startedAt: new Date(startedAt).toISOString(),
      jobs: [],
      counts: { copied: 0, skipped: 0, pruned: 0, failed: 0 },
      bytes: 0,
      requests: 0,
      pruned: [],
      errors: [],
    };
    const mirror = mirrorSettings(set);
    for (const pair of pairs) {
      const request = { ...pair, platforms: set.platforms, referrers: set.referrers };
      const job = await startMirrorJob(deps, request, mirror, owner, {
        id: `${id}_${run.jobs.length}`,
        reason: `sync set "${set.name}"`,
      });
      run.jobs.push(job.id);
    }
    run.requests = counted.requestsMade!.count;
    if (!run.jobs.length) finishRun(deps, run);
    await deps.state.create(key, JSON.stringify(run), { ttlSeconds: RUN_TTL_SECONDS });
    if (!run.jobs.length) {
      await deps.state.delete(stateKeys.syncRunning(set.name));
      const named = [...syncSetTargets(set), ...syncSetSources(set)].filter((r) => !r.includes('*'));
      await tellRunEnded(deps, run, named);
    }
    return { run };
  } catch (error) {
    await deps.state.delete(stateKeys.syncRunning(set.name));
    throw error;
  }
}

function noteError(run: SyncRun, error: SyncRunError): void {
  run.counts.failed++;
  if (run.errors.length < ERRORS_KEPT) run.errors.push(error);
}

function finishRun(deps: Deps, run: SyncRun): void {
  run.state = run.counts.failed ? 'failed' : 'done';
  run.finishedAt = new Date(deps.now()).toISOString();
}

// Errors an event carries; the run's record keeps more.
const ERRORS_TOLD = 10;

/** The sinks hear of a run once, when it is settled: about the repositories it wrote, then those it read. */
function tellRunEnded(deps: Deps, run: SyncRun, repositories: string[]): Promise<void> {
  const { id, set, trigger, caller, startedAt, finishedAt, jobs, counts, bytes, errors } = run;
  return publishEvent(deps, {
    kind: 'sync',
    outcome: run.state === 'failed' ? 'failed' : 'completed',
    repositories: [...new Set(repositories)],
    data: {
      set,
      run: id,
      trigger,
      caller,
      startedAt,
      finishedAt,
      jobs,
      counts,
      bytes,
      errors: errors.slice(0, ERRORS_TOLD),
    },
  });
}

/** The set's runs, newest first (at most `limit`); the one under way is settled first if its jobs ended. */
export async function listSyncRuns(deps: Deps, set: string, limit = 20): Promise<SyncRun[]> {
  await settleSyncRun(deps, set);
  const page = await deps.state.list(stateKeys.syncRuns(set), { limit });
  return page.entries.map((e) => JSON.parse(e.value) as SyncRun);
}

/**
 * Settles the run under way once every job of it has ended: what they copied is recorded as written by the
 * set (so the next run skips it, and prune may delete it later), and the run gets its counts.
 */
export async function settleSyncRun(deps: Deps, set: string): Promise<void> {
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
  // Only the settler whose write won tells the sinks: a run is told once.
  if (!(await deps.state.update(marker.value.key, held.version, JSON.stringify(run), { ttlSeconds: RUN_TTL_SECONDS })))
    return;
  await deps.state.delete(stateKeys.syncRunning(set));
  const copies = jobs.flatMap((job) => (job.kind === 'copy' ? [job.request] : []));
  await tellRunEnded(deps, run, [...copies.map((r) => r.target), ...copies.map((r) => r.source)]);
}

/**
 * A finished job of a run: what its plan found and pruned, its copies (its own, or its batches' on Workers)
 * recorded as written by the set, and its outcome counted.
 */
async function settleJob(deps: Deps, run: SyncRun, job: JobRecord): Promise<void> {
  if (job.kind !== 'copy') return;
  const target = job.request.target;
  const mirrored = job.mirrored;
  if (mirrored) {
    run.counts.skipped += mirrored.skipped;
    run.counts.pruned += mirrored.pruned.length;
    run.pruned.push(...mirrored.pruned.map((tag) => `${target}:${tag}`));
    run.requests += mirrored.requests;
    for (const error of mirrored.errors) noteError(run, { repository: target, ...error });
  }
  // Its copies: its own (in process), or its batches' (Workers: the job only planned and waited for them).
  const parts: JobRecord[] = job.batches ? [] : [job];
  for (const id of job.batches ?? []) {
    const batch = await getJob(deps, id);
    if (batch) parts.push(batch);
  }
  const copied: CopyResult[] = [];
  for (const part of parts) {
    const result = part.result as ManyCopyResult | undefined;
    copied.push(...(result?.results ?? []));
    run.bytes += part.progress.bytesDone ?? 0;
    run.requests += part.requests ?? 0;
    for (const failed of result?.failed ?? [])
      noteError(run, { repository: target, tag: failed.tag, code: failed.code, message: failed.message });
  }
  run.counts.copied += copied.length;
  // A job that failed whole (its plan, or its run) reports its own error; failed tags are counted above.
  const failedTags = parts.some((p) => (p.result as ManyCopyResult | undefined)?.failed?.length);
  const { error } = job;
  if (error && !failedTags) noteError(run, { repository: target, code: error.code, message: error.message });
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
