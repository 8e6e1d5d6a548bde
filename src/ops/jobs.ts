// Jobs that outlive their request: recorded in KV, run by a JobQueue (a Workflow instance, or an
// in-process queue), and picked up again after a crash or a restart (blobs already at the target are
// skipped; a recorded chunked upload continues). A running job rewrites its record at least every third
// of `jobs.staleAfterSeconds`; a record older than that means its runner died, and the job is woken.

import type { Deps, JobQueue } from '../deps.js';
import { isAppError } from '../errors.js';
import { getJson, putJson } from '../kv/store.js';
import { recordKeys } from '../kv/records.js';
import { auditCopy, auditPromotion } from './audit.js';
import { executePromotion, planPromotion, type PromotionPlan } from './promote.js';
import { findRule } from './rules-store.js';
import type { CopyEvent, CopyResult } from './copy-events.js';
import { copyImage, type CopyRequest, type ManyCopyResult } from './copy.js';

export interface JobRecord {
  id: string;
  kind: 'copy' | 'promote';
  /** kind "copy": the copy to run. */
  request: CopyRequest;
  /** kind "promote": the source (pinned by digest) and the rule. */
  promotion?: { source: string; rule: string };
  caller: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  createdAt: string;
  updatedAt: string;
  /** How many times a run of this job started (more than one: it was resumed after a restart). */
  runs: number;
  progress: { blobsDone: number; blobsTotal: number };
  result?: CopyResult | ManyCopyResult;
  error?: { code: string; message: string; blob?: string };
}

// Job records stay a week for `GET /v1/jobs/<id>`.
const JOB_TTL_SECONDS = 7 * 24 * 3600;
// Progress is written at most this often (Workers KV takes one write per second per key).
const PROGRESS_WRITE_MS = 1000;

async function save(deps: Deps, job: JobRecord): Promise<void> {
  job.updatedAt = new Date(deps.now()).toISOString();
  await putJson(deps.kv, recordKeys.job(job.id), job, { ttlSeconds: JOB_TTL_SECONDS });
}

export async function createCopyJob(deps: Deps, request: CopyRequest, caller: string): Promise<JobRecord> {
  const now = new Date(deps.now()).toISOString();
  const { wait: _wait, ...copy } = request;
  const job: JobRecord = { id: crypto.randomUUID(), kind: 'copy', request: copy, caller, state: 'queued', createdAt: now, updatedAt: now, runs: 0, progress: { blobsDone: 0, blobsTotal: 0 } };
  await save(deps, job);
  await deps.kv.put(recordKeys.activeJob(job.id), job.id);
  return job;
}

/** A promotion job (from a webhook event): the source is pinned by digest and re-checked when it runs. */
export async function createPromotionJob(deps: Deps, promotion: { source: string; rule: string }, caller: string, id: string = crypto.randomUUID()): Promise<JobRecord> {
  const now = new Date(deps.now()).toISOString();
  const job: JobRecord = {
    id,
    kind: 'promote',
    request: { source: promotion.source, target: '' },
    promotion,
    caller,
    state: 'queued',
    createdAt: now,
    updatedAt: now,
    runs: 0,
    progress: { blobsDone: 0, blobsTotal: 0 },
  };
  await save(deps, job);
  await deps.kv.put(recordKeys.activeJob(job.id), job.id);
  return job;
}

export function getJob(deps: Deps, id: string): Promise<JobRecord | null> {
  return getJson<JobRecord>(deps.kv, recordKeys.job(id));
}

/**
 * Writes a running job's record: on progress at most once per PROGRESS_WRITE_MS (Workers KV takes one
 * write per second per key), and at least every third of `jobs.staleAfterSeconds` without progress (one
 * large blob can take minutes: this heartbeat tells a live job from a dead one). Writes go one after
 * another, so a slow one never lands after the final state. `prepare` takes the snapshot to write.
 */
export function progressWriter(deps: Deps, prepare: () => () => Promise<void>): { changed(): void; stop(): Promise<void> } {
  let lastWrite = deps.now();
  let writing: Promise<void> = Promise.resolve();
  const write = () => {
    lastWrite = deps.now();
    const run = prepare();
    writing = writing.then(run).catch(() => undefined);
  };
  const heartbeatMs = deps.config.jobStaleAfterMs / 3;
  const heartbeat = setInterval(() => deps.now() - lastWrite >= heartbeatMs && write(), Math.max(PROGRESS_WRITE_MS, heartbeatMs / 2));
  return {
    changed: () => void (deps.now() - lastWrite >= PROGRESS_WRITE_MS && write()),
    async stop() {
      clearInterval(heartbeat);
      await writing;
    },
  };
}

/** Progress from outside the job step (Workflow blob steps): the job runs, this much is done. A finished job is left as it is. */
export async function noteProgress(deps: Deps, id: string, progress: { blobsDone: number; blobsTotal: number }): Promise<void> {
  const job = await getJob(deps, id);
  if (!job || job.state === 'done' || job.state === 'failed') return;
  await save(deps, { ...job, state: 'running', progress });
}

export async function runJob(deps: Deps, id: string): Promise<void> {
  const job = await getJob(deps, id);
  if (!job || job.state === 'done' || job.state === 'failed') {
    await deps.kv.delete(recordKeys.activeJob(id));
    return;
  }
  job.state = 'running';
  job.runs += 1;
  job.progress = { blobsDone: 0, blobsTotal: 0 };
  await save(deps, job);
  const writer = progressWriter(deps, () => {
    const snapshot = { ...job, progress: { ...job.progress } };
    return () => save(deps, snapshot);
  });
  const emit = (event: CopyEvent) => {
    if (event.type === 'plan') job.progress.blobsTotal += event.blobs;
    else if (event.type === 'skipped' || event.type === 'mounted' || (event.type === 'done' && 'blob' in event)) job.progress.blobsDone += 1;
    else return;
    writer.changed();
  };
  let plan: PromotionPlan | undefined;
  try {
    if (job.kind === 'promote' && job.promotion) {
      plan = await planPromotion(deps, job.promotion.source, await findRule(deps, job.promotion.rule));
      const results = await executePromotion(deps, plan, { emit, wantsProgress: false }, job.caller);
      job.state = 'done';
      job.result = { results };
      await auditPromotion(deps, job.caller, job.promotion.source, plan);
    } else {
      const result = await copyImage(deps, job.request, { emit, wantsProgress: false });
      job.state = 'done';
      job.result = result;
      await auditCopy(deps, job.caller, job.request, { results: 'results' in result ? result.results : [result] });
    }
  } catch (error) {
    job.state = 'failed';
    const blob = isAppError(error) && typeof error.details?.blob === 'string' ? error.details.blob : undefined;
    job.error = { code: isAppError(error) ? error.code : 'INTERNAL', message: isAppError(error) ? error.message : 'internal error', ...(blob ? { blob } : {}) };
    if (job.kind === 'promote') await auditPromotion(deps, job.caller, job.promotion?.source ?? '', plan, job.error);
    else await auditCopy(deps, job.caller, job.request, { error: { code: job.error.code } });
  } finally {
    await writer.stop();
  }
  await save(deps, job);
  await deps.kv.delete(recordKeys.activeJob(id));
}

/** True when a job should be running but its record went silent for `jobs.staleAfterSeconds`. */
export function isStale(deps: Deps, job: JobRecord): boolean {
  return (job.state === 'queued' || job.state === 'running') && deps.now() - Date.parse(job.updatedAt) > deps.config.jobStaleAfterMs;
}

/** Wakes the job when its runner died; true when it did. */
export async function reviveIfStale(deps: Deps, job: JobRecord): Promise<boolean> {
  if (!deps.jobs || !isStale(deps, job)) return false;
  deps.log.warn('job went silent: waking it', { id: job.id, updatedAt: job.updatedAt });
  await deps.jobs.wake(job.id);
  return true;
}

/** The sweep (a cron on Workers): wakes every unfinished job that went silent. Returns how many. */
export async function reviveStaleJobs(deps: Deps): Promise<number> {
  let cursor: string | undefined;
  let woken = 0;
  do {
    const page = await deps.kv.list(recordKeys.activeJobsPrefix(), cursor ? { cursor } : {});
    for (const key of page.keys) {
      const id = key.slice(recordKeys.activeJobsPrefix().length);
      const job = await getJob(deps, id);
      if (!job || job.state === 'done' || job.state === 'failed') await deps.kv.delete(recordKeys.activeJob(id));
      else if (await reviveIfStale(deps, job).catch((error: unknown) => (deps.log.error('could not wake job', { id, error: error instanceof Error ? error.message : 'unknown' }), false))) woken++;
    }
    cursor = page.cursor;
  } while (cursor);
  return woken;
}

/** Runs jobs in this process, a few at a time; `resumePending` picks up what a previous process left. */
export class InProcessJobs implements JobQueue {
  readonly #deps: Deps;
  readonly #queue: string[] = [];
  readonly #running = new Set<string>();
  readonly #concurrency: number;

  constructor(deps: Deps, concurrency = 2) {
    this.#deps = deps;
    this.#concurrency = concurrency;
  }

  enqueue(id: string): void {
    if (this.#running.has(id) || this.#queue.includes(id)) return;
    this.#queue.push(id);
    this.#next();
  }

  // A job this process runs or holds is alive; any other one is picked up.
  wake(id: string): void {
    this.enqueue(id);
  }

  async resumePending(): Promise<number> {
    let cursor: string | undefined;
    let found = 0;
    do {
      const page = await this.#deps.kv.list(recordKeys.activeJobsPrefix(), cursor ? { cursor } : {});
      for (const key of page.keys) {
        this.enqueue(key.slice(recordKeys.activeJobsPrefix().length));
        found++;
      }
      cursor = page.cursor;
    } while (cursor);
    return found;
  }

  #next(): void {
    while (this.#running.size < this.#concurrency && this.#queue.length) {
      const id = this.#queue.shift()!;
      this.#running.add(id);
      runJob(this.#deps, id)
        .catch((error: unknown) => this.#deps.log.error('job failed to run', { id, error: error instanceof Error ? error.message : 'unknown' }))
        .finally(() => {
          this.#running.delete(id);
          this.#next();
        });
    }
  }
}
