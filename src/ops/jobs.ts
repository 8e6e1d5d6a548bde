// Jobs that outlive their request: recorded in the state store (consistent, atomic), run by a JobQueue (a
// Workflow instance, or an in-process queue), and picked up again after a crash or a restart (blobs already
// at the target are skipped; a recorded chunked upload continues). A running job rewrites its record at
// least every third of `jobs.staleAfterSeconds`; a record older than that means its runner died, and the
// job is woken, a bounded number of times.

import type { Deps, JobQueue } from '../deps.js';
import { AppError, isAppError } from '../errors.js';
import { jobLabels, stateKeys } from '../state/records.js';
import { getStateJson } from '../state/store.js';
import { auditCopy, auditPromotion, recordAudit } from './audit.js';
import { executePromotion, planPromotion, type PromotionPlan } from './promote.js';
import { findRule } from './rules-store.js';
import { matcherOf, requireAuthorGrants } from '../policy.js';
import { parseReference, parseRepositoryName } from '../reference.js';
import { abandonUploads } from './upload-sessions.js';
import type { PromotionRule } from '../rules.js';
import { ProgressTracker, type JobProgress } from './job-progress.js';
import type { CopyEvent, CopyResult } from './copy-events.js';
import { copyImage, copySubjects, type CopyRequest, type ManyCopyResult } from './copy.js';
import type { CompactPlan } from './job-steps.js';
import { withManagedRegistries } from './registry-entries.js';

export interface JobRecord {
  id: string;
  kind: 'copy' | 'promote';
  /** kind "copy": the copy to run. */
  request: CopyRequest;
  /** kind "promote": the source (pinned by digest) and the rule. */
  promotion?: { source: string; rule: string };
  caller: string;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  createdAt: string;
  updatedAt: string;
  /** How many times a run of this job started (more than one: it was resumed after a restart). */
  runs: number;
  /** How many times the job was woken after its runner went silent. */
  wakes?: number;
  progress: JobProgress;
  result?: CopyResult | ManyCopyResult;
  error?: { code: string; message: string; blob?: string };
  /** Why the job exists when the caller asked for a synchronous copy (it was too large, or its client left). */
  reason?: string;
  /** A batch of a many-tags job (src/ops/job-batches.ts): the tags it copies, and the job it is part of. */
  tags?: string[];
  parent?: string;
  /** A many-tags job cut into batches: their job ids. */
  batches?: string[];
  /** A batch of a promotion's blobs for one target (src/ops/job-batches.ts): what it brings there. */
  blobs?: CompactPlan;
  /** Repository globs the job may mount blobs from: its creator's read grants, or a webhook rule's source. */
  readScope?: string[];
  /** The "registry/repository" names (or target templates) the job is about: who administers all of them may read it. */
  repositories?: string[];
  /** What started it: a webhook receiver and the event's delivery id. */
  trigger?: { receiver: string; delivery: string };
}

/** Who a job runs for: its owner's id and what the owner may read (mounts never go beyond it). */
export interface JobOwner {
  id: string;
  readScope: string[];
}

// Job records stay a week for `GET /v1/jobs/<id>`.
const JOB_TTL_SECONDS = 7 * 24 * 3600;
// Progress is written at most this often: a poller needs no more, and each write is a store round trip.
const PROGRESS_WRITE_MS = 1000;
// A job woken this many times without finishing fails instead: its failure is not one a restart cures.
export const MAX_JOB_WAKES = 5;

/** Done, failed or cancelled: nothing changes it any more. */
export const isFinished = (job: JobRecord | null | undefined) => job?.state === 'done' || job?.state === 'failed' || job?.state === 'cancelled';

function labelsOf(job: JobRecord): string[] {
  const labels = [jobLabels.state(job.state), jobLabels.kind(job.kind)];
  if (job.promotion) labels.push(jobLabels.rule(job.promotion.rule));
  try {
    const subjects = job.kind === 'copy' ? copySubjects(job.request) : undefined;
    if (subjects) labels.push(jobLabels.repository(subjects.source), jobLabels.repository(subjects.target));
  } catch {
    // an unparsable request fails when it runs; it is listed without repositories
  }
  return [...new Set(labels)];
}

const storeOptions = (job: JobRecord) => ({ ttlSeconds: JOB_TTL_SECONDS, labels: labelsOf(job) });

/** Creates the record unless one holds the id: the store decides, so two deliveries racing create one job. */
export async function createJobRecord(deps: Deps, job: JobRecord): Promise<{ job: JobRecord; created: boolean }> {
  if (await deps.state.create(stateKeys.job(job.id), JSON.stringify(job), storeOptions(job))) return { job, created: true };
  const existing = await getJob(deps, job.id);
  if (!existing) throw new AppError('INTERNAL', `job ${job.id} exists but cannot be read`);
  return { job: existing, created: false };
}

function newJob(deps: Deps, fields: Pick<JobRecord, 'id' | 'kind' | 'request' | 'caller'> & Partial<JobRecord>): JobRecord {
  const now = new Date(deps.now()).toISOString();
  return { state: 'queued', createdAt: now, updatedAt: now, runs: 0, progress: { blobsDone: 0, blobsTotal: 0 }, ...fields };
}

/** `reason`: why it is a job and not an answer (said in the record); `id`: one the caller promised already. */
export async function createCopyJob(deps: Deps, request: CopyRequest, owner: JobOwner, details: { reason?: string; id?: string } = {}): Promise<JobRecord> {
  const { wait: _wait, ...copy } = request;
  const { reason, id = crypto.randomUUID() } = details;
  const { source, target } = copySubjects(copy);
  const fields = { id, kind: 'copy' as const, request: copy, caller: owner.id, readScope: owner.readScope, repositories: [source, target], ...(reason ? { reason } : {}) };
  return (await createJobRecord(deps, newJob(deps, fields))).job;
}

/**
 * A streamed copy that ended in its request, recorded under the id its client was told at once: a client
 * that went away before the last event (however late that was noticed, if at all) finds the outcome there.
 */
export async function recordCopyOutcome(deps: Deps, request: CopyRequest, owner: JobOwner, id: string, outcome: Pick<JobRecord, 'result' | 'error'>): Promise<void> {
  const { wait: _wait, ...copy } = request;
  const { source, target } = copySubjects(copy);
  const fields = { id, kind: 'copy' as const, request: copy, caller: owner.id, readScope: owner.readScope, repositories: [source, target], reason: 'ran in its request', runs: 1 };
  await createJobRecord(deps, { ...newJob(deps, fields), state: outcome.error ? 'failed' : 'done', ...outcome });
}

/**
 * A synchronous copy that cannot finish in its request (its plan is over budget, its client went away)
 * goes on as a job: created under `id`, queued, and audited as handed over. What the copy did so far
 * stays; the job finds it at the target and does the rest.
 */
export async function handOverCopy(deps: Deps, request: CopyRequest, owner: JobOwner, details: { reason: string; id?: string }): Promise<JobRecord> {
  if (!deps.jobs) throw new AppError('NOT_SUPPORTED', `${details.reason}; no job runner is configured (Workers: the FERRY_JOBS Workflow binding)`);
  const job = await createCopyJob(deps, request, owner, details);
  await deps.jobs.enqueue(job.id);
  await auditCopy(deps, owner.id, request, { handedOver: { job: job.id, reason: details.reason } });
  return job;
}

/**
 * A promotion job (from a webhook event): the source is pinned by digest and re-checked when it runs.
 * Tells whether this call created it (false: the id was taken, the job left as it is).
 */
export function createPromotionJobOnce(
  deps: Deps,
  promotion: { source: string; rule: PromotionRule; trigger?: JobRecord['trigger'] },
  owner: JobOwner,
  id: string,
): Promise<{ job: JobRecord; created: boolean }> {
  const source = parseReference(promotion.source);
  const fields = {
    id,
    kind: 'promote' as const,
    request: { source: promotion.source, target: '' },
    promotion: { source: promotion.source, rule: promotion.rule.name },
    caller: owner.id,
    readScope: owner.readScope,
    repositories: [`${source.registry}/${source.repository}`, ...promotion.rule.targets.map((t) => t.repository)],
    ...(promotion.trigger ? { trigger: promotion.trigger } : {}),
  };
  return createJobRecord(deps, newJob(deps, fields));
}

/** What a job is about; records written before jobs kept it have it derived from their request. */
export function jobRepositories(job: JobRecord): string[] {
  if (job.repositories) return job.repositories;
  try {
    if (job.kind === 'copy') return Object.values(copySubjects(job.request));
    const source = parseReference(job.promotion?.source ?? job.request.source);
    return [`${source.registry}/${source.repository}`];
  } catch {
    return [];
  }
}

export async function getJob(deps: Deps, id: string): Promise<JobRecord | null> {
  return (await getStateJson<JobRecord>(deps.state, stateKeys.job(id)))?.value ?? null;
}

/**
 * Changes a job by compare-and-set: `change` sees the stored record and returns the new one, or null to
 * leave it. Retried when another writer got there first. Returns what is stored in the end.
 */
export async function updateJob(deps: Deps, id: string, change: (job: JobRecord) => JobRecord | null): Promise<JobRecord | null> {
  for (;;) {
    const held = await getStateJson<JobRecord>(deps.state, stateKeys.job(id));
    if (!held) return null;
    const next = change(held.value);
    if (!next) return held.value;
    next.updatedAt = new Date(deps.now()).toISOString();
    if (await deps.state.update(stateKeys.job(id), held.version, JSON.stringify(next), storeOptions(next))) return next;
  }
}

/** Ends a job as failed with `error`, unless it already ended. */
export function failJob(deps: Deps, id: string, error: { code: string; message: string }): Promise<JobRecord | null> {
  return updateJob(deps, id, (job) => (isFinished(job) ? null : { ...job, state: 'failed', error }));
}

/**
 * Writes a running job's record: on progress at most once per PROGRESS_WRITE_MS, and at least every third
 * of `jobs.staleAfterSeconds` without progress (one large blob can take minutes: this heartbeat tells a
 * live job from a dead one). Writes go one after another, so a slow one never lands after the final state.
 * `prepare` takes the snapshot to write.
 */
export function progressWriter(deps: Deps, prepare: () => () => Promise<unknown>): { changed(): void; stop(): Promise<void> } {
  let lastWrite = deps.now();
  let writing: Promise<unknown> = Promise.resolve();
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
export async function noteProgress(deps: Deps, id: string, progress: JobProgress): Promise<void> {
  await updateJob(deps, id, (job) => (isFinished(job) ? null : { ...job, state: 'running', progress }));
}

/**
 * Runs a job to its end. `blobsPlaced`: earlier steps brought its blobs to the target (runJobInSteps);
 * `signal`: the runner cancels it (in process).
 */
export async function runJob(given: Deps, id: string, options: { blobsPlaced?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  const deps = await withManagedRegistries(given);
  const started = await updateJob(deps, id, (stored) => (isFinished(stored) ? null : { ...stored, state: 'running', runs: stored.runs + 1, progress: { blobsDone: 0, blobsTotal: 0 } }));
  if (!started || isFinished(started)) return;
  const job: JobRecord = started;
  // A cancel reaches a running job through its runner (signal) or its record: the progress and heartbeat
  // writes see it finished in the store, and the copy then starts nothing more and writes no tag.
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort());
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
  try {
    if (job.kind === 'promote' && job.promotion) {
      const rule = await findRule(deps, job.promotion.rule);
      requireAuthorGrants(deps.config.callers, rule);
      plan = await planPromotion(deps, job.promotion.source, rule);
      const results = await executePromotion(deps, plan, reporter, job.caller, { blobsPlaced: options.blobsPlaced === true, readable: matcherOf(job.readScope ?? []), signal: stop.signal });
      job.state = 'done';
      job.result = { results };
      await auditPromotion(deps, job.caller, job.promotion.source, plan, undefined, { job: id, rule: job.promotion.rule, ...(job.trigger ? { trigger: job.trigger } : {}) });
    } else {
      const readable = matcherOf(job.readScope ?? []);
      const result = await copyImage(deps, job.request, reporter, { blobsPlaced: options.blobsPlaced === true, readable, signal: stop.signal, actor: job.caller, ...(job.tags ? { selectedTags: job.tags } : {}) });
      job.state = 'done';
      job.result = result;
      await auditCopy(deps, job.caller, job.request, { results: 'results' in result ? result.results : [result] }, id);
    }
  } catch (error) {
    job.state = 'failed';
    const blob = isAppError(error) && typeof error.details?.blob === 'string' ? error.details.blob : undefined;
    job.error = { code: isAppError(error) ? error.code : 'INTERNAL', message: isAppError(error) ? error.message : 'internal error', ...(blob ? { blob } : {}) };
    if (job.kind === 'promote') {
      await auditPromotion(deps, job.caller, job.promotion?.source ?? '', plan, job.error, { job: id, rule: job.promotion?.rule, ...(job.trigger ? { trigger: job.trigger } : {}) });
      if (job.trigger) deps.log.error('webhook promotion failed', { job: id, rule: job.promotion?.rule, source: job.promotion?.source, receiver: job.trigger.receiver, delivery: job.trigger.delivery, code: job.error.code, detail: job.error.message });
    }
    else await auditCopy(deps, job.caller, job.request, { error: { code: job.error.code } }, id);
  } finally {
    await writer.stop();
  }
  const { state, result, error } = job;
  const { active: _moving, ...progress } = tracker.snapshot(); // nothing moves once a job has ended
  await updateJob(deps, id, (stored) => (isFinished(stored) ? null : { ...stored, state, progress, ...(result ? { result } : {}), ...(error ? { error } : {}) }));
}

export interface JobFilter {
  state?: JobRecord['state'];
  kind?: JobRecord['kind'];
  rule?: string;
}

/**
 * A page of jobs matching the filter that `visible` lets the caller see, newest records as the store
 * lists them (a page may hold fewer than `limit`: follow the cursor). The most selective filter is the
 * store's label; the others are checked here.
 */
export async function listJobs(deps: Deps, filter: JobFilter, page: { limit: number; cursor?: string }, visible: (job: JobRecord) => boolean): Promise<{ jobs: JobRecord[]; cursor?: string }> {
  const label = filter.rule ? jobLabels.rule(filter.rule) : filter.kind ? jobLabels.kind(filter.kind) : filter.state ? jobLabels.state(filter.state) : undefined;
  const listed = await deps.state.list(stateKeys.jobsPrefix(), { limit: page.limit, ...(label ? { label } : {}), ...(page.cursor ? { cursor: page.cursor } : {}) });
  const jobs: JobRecord[] = [];
  for (const entry of listed.entries) {
    let job: JobRecord;
    try {
      job = JSON.parse(entry.value) as JobRecord;
    } catch {
      continue;
    }
    if (filter.state && job.state !== filter.state) continue;
    if (filter.kind && job.kind !== filter.kind) continue;
    if (filter.rule && job.promotion?.rule !== filter.rule) continue;
    if (visible(job)) jobs.push(job);
  }
  return listed.cursor ? { jobs, cursor: listed.cursor } : { jobs };
}

/**
 * Cancels a queued or running job and its batches: the record says `cancelled` first (so nothing
 * restarts it and a run that is still going stops before its next blob and writes no tag), then the
 * runner is told. Returns the record as it is now; a job that had finished is left as it was.
 */
export async function cancelJob(deps: Deps, id: string, by: string): Promise<JobRecord | null> {
  const before = await getJob(deps, id);
  if (!before || isFinished(before)) return before;
  const job = await updateJob(deps, id, (held) => (isFinished(held) ? null : { ...held, state: 'cancelled', error: { code: 'CANCELLED', message: `cancelled by ${by}` } }));
  if (job?.state !== 'cancelled') return job;
  await Promise.resolve(deps.jobs?.cancel(id)).catch((error: unknown) => deps.log.warn('could not stop a cancelled job run', { id, error: error instanceof Error ? error.message : 'unknown' }));
  for (const batch of job.batches ?? []) await cancelJob(deps, batch, by);
  // Uploads the stopped run left open at its targets (the source, and templates not yet rendered, aside).
  for (const repository of jobRepositories(job).slice(1).filter((r) => !r.includes('{'))) {
    const name = parseRepositoryName(repository);
    await abandonUploads(deps, name.registry, name.repository).catch((error: unknown) => deps.log.warn('could not cancel open uploads', { id, repository, error: error instanceof Error ? error.message : 'unknown' }));
  }
  await recordAudit(deps, { caller: by, action: 'job.cancel', job: id, ...(job.repositories ? { repositories: job.repositories } : {}), outcome: 'ok' });
  return job;
}

/** True when a job should be running but its record went silent for `jobs.staleAfterSeconds`. */
export function isStale(deps: Deps, job: JobRecord): boolean {
  return !isFinished(job) && deps.now() - Date.parse(job.updatedAt) > deps.config.jobStaleAfterMs;
}

/**
 * Wakes the job when its runner died; true when it did. A job woken MAX_JOB_WAKES times without finishing
 * fails instead, so a failure that kills every runner the same way is not retried for ever.
 */
export async function reviveIfStale(deps: Deps, job: JobRecord): Promise<boolean> {
  if (!deps.jobs || !isStale(deps, job)) return false;
  // Counted by compare-and-set: of two sweeps (or a sweep and a poll) seeing the same silence, one wakes it.
  let counted = false;
  const woken = await updateJob(deps, job.id, (stored) => {
    counted = isStale(deps, stored);
    return counted ? { ...stored, wakes: (stored.wakes ?? 0) + 1 } : null;
  });
  if (!woken || !counted) return false;
  if ((woken.wakes ?? 0) > MAX_JOB_WAKES) {
    deps.log.warn('job keeps losing its runner: failing it', { id: job.id, wakes: woken.wakes });
    await failJob(deps, job.id, { code: 'INTERNAL', message: `the job's runner stopped ${MAX_JOB_WAKES} times without finishing; giving up` });
    return false;
  }
  deps.log.warn('job went silent: waking it', { id: job.id, updatedAt: job.updatedAt });
  await deps.jobs.wake(job.id);
  return true;
}

/** Unfinished jobs, a page at a time (the store lists them by state label: no scan of finished ones). */
export async function* unfinishedJobs(deps: Deps): AsyncGenerator<JobRecord> {
  for (const state of ['queued', 'running'] as const) {
    let cursor: string | undefined;
    do {
      const page = await deps.state.list(stateKeys.jobsPrefix(), { label: jobLabels.state(state), ...(cursor ? { cursor } : {}) });
      for (const entry of page.entries) {
        try {
          yield JSON.parse(entry.value) as JobRecord;
        } catch {
          // a corrupt record is skipped
        }
      }
      cursor = page.cursor;
    } while (cursor);
  }
}

/** The sweep (a cron on Workers): wakes every unfinished job that went silent. Returns how many. */
export async function reviveStaleJobs(deps: Deps): Promise<number> {
  let woken = 0;
  for await (const job of unfinishedJobs(deps)) {
    const revived = await reviveIfStale(deps, job).catch((error: unknown) => {
      deps.log.error('could not wake job', { id: job.id, error: error instanceof Error ? error.message : 'unknown' });
      return false;
    });
    if (revived) woken++;
  }
  return woken;
}

/** Runs jobs in this process, a few at a time; `resumePending` picks up what a previous process left. */
export class InProcessJobs implements JobQueue {
  readonly #deps: Deps;
  readonly #queue: string[] = [];
  readonly #running = new Map<string, AbortController>();
  readonly #concurrency: number;
  #idle: Array<() => void> = [];

  constructor(deps: Deps, concurrency = 2) {
    this.#deps = deps;
    this.#concurrency = concurrency;
  }

  cancel(id: string): void {
    this.#running.get(id)?.abort();
    const queued = this.#queue.indexOf(id);
    if (queued !== -1) this.#queue.splice(queued, 1);
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

  /** Resolves once nothing runs or waits here (a run that was cancelled has returned). */
  idle(): Promise<void> {
    if (!this.#running.size && !this.#queue.length) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async resumePending(): Promise<number> {
    let found = 0;
    for await (const job of unfinishedJobs(this.#deps)) {
      this.enqueue(job.id);
      found++;
    }
    return found;
  }

  #next(): void {
    while (this.#running.size < this.#concurrency && this.#queue.length) {
      const id = this.#queue.shift()!;
      const stop = new AbortController();
      this.#running.set(id, stop);
      runJob(this.#deps, id, { signal: stop.signal })
        .catch((error: unknown) => this.#deps.log.error('job failed to run', { id, error: error instanceof Error ? error.message : 'unknown' }))
        .finally(() => {
          this.#running.delete(id);
          this.#next();
          if (!this.#running.size) this.#idle.splice(0).forEach((resolve) => resolve());
        });
    }
  }
}
