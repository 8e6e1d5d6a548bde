// Jobs that outlive their request: recorded in the state store (consistent, atomic), run by a JobQueue (a
// Workflow instance, or an in-process queue), and picked up again after a crash or a restart (blobs already
// at the target are skipped; a recorded chunked upload continues). A running job rewrites its record at
// least every third of `jobs.staleAfterSeconds`; a record older than that means its runner died, and the
// job is woken, a bounded number of times.

import type { TraceContext } from '../../registry/trace-context.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { stateKeys } from '../../state/records.js';
import { jobOrder, type JobIndexRow } from '../../state/job-index.js';
import { getStateJson } from '../../state/store.js';
import { parseReference } from '../../reference.js';
import type { JobProgress } from './progress.js';
import type { CopyResult } from '../copy/index.js';
import { copySubjects, parseCopySpec, type CopyRequest, type FailedTag, type ManyCopyResult } from '../copy/index.js';
import type { CompactPlan } from './blob-plan.js';
import type { MirrorError, MirrorSettings } from '../mirror/index.js';

/** A copy job: the copy as it was asked for (less `wait`). */
export interface CopyJob extends JobFields {
  kind: 'copy';
  request: CopyRequest;
  /** A sync run's job for one repository: it plans the repository as the set says, prunes, then copies. */
  mirror?: MirrorSettings;
  /** What its plan found and did, written once it planned (its copies are its result, or its batches'). */
  mirrored?: MirrorOutcome;
}

/** A sync run's job's plan: tags up to date, tags pruned, what failed there, and the requests it took. */
export interface MirrorOutcome {
  skipped: number;
  pruned: string[];
  errors: MirrorError[];
  requests: number;
}

/**
 * A promotion job: the source (pinned by digest) and the rule's name, with its owner for a rule written through
 * the API (names are scoped per owner); both are checked again when it runs.
 */
export interface PromotionJob extends JobFields {
  kind: 'promote';
  promotion: { source: string; rule: string; owner?: string };
}

export type JobRecord = CopyJob | PromotionJob;

/** What every job's record holds, whatever it does. */
export interface JobFields {
  id: string;
  caller: string;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  createdAt: string;
  updatedAt: string;
  /** How many times a run of this job started (more than one: it was resumed after a restart). */
  runs: number;
  /**
   * A queued job waiting for a slot of a lane (`tenant:<who>` or `registry:<host>`: lane-slots.ts), since
   * when; rewritten each time it asks again. Or waiting for a registry's hold to end (`until`).
   */
  waiting?: { lane: string; since: string; until?: string };
  /** How many times the job was woken after its runner went silent. */
  wakes?: number;
  /** The W3C trace of the request that made it: its runs' upstream requests and log lines carry it. */
  trace?: TraceContext;
  progress: JobProgress;
  /** A promotion's outcome (PromotionOutcome: its copies and backup tags) is a ManyCopyResult with `backups`. */
  result?: CopyResult | ManyCopyResult | BatchedCopyResult;
  error?: { code: string; message: string; blob?: string };
  /** Why the job exists when the caller asked for a synchronous copy (it was too large, or its client left). */
  reason?: string;
  /** A batch of a many-tags job (src/ops/jobs/batches.ts): the tags it copies, and the job it is part of. */
  tags?: string[];
  /** Its tags were found missing or naming another image at the target as the job was made (a sync run's). */
  targetAsked?: true;
  parent?: string;
  /** A many-tags job cut into batches: their job ids. */
  batches?: string[];
  /** A batch of a promotion's blobs for one target (src/ops/jobs/batches.ts): what it brings there. */
  blobs?: CompactPlan;
  /** Repository globs the job may mount blobs from: its creator's read grants, or a webhook rule's source. */
  readScope?: string[];
  /**
   * The "registry/repository" names (or target templates) the job is about: who administers all of them may read it.
   */
  repositories?: string[];
  /** Registry requests its last run made (each hop, each try). */
  requests?: number;
  /** What started it: a webhook receiver and the event's delivery id. */
  trigger?: { receiver: string; delivery: string };
}

/**
 * A many-tags job run in batches (src/ops/jobs/batches.ts): counts, and its batches, which hold each tag's
 * result; the first failed and skipped tags.
 */
export interface BatchedCopyResult {
  counts: { tags: number; copied: number; failed: number; skipped: number };
  batches: string[];
  failed?: FailedTag[];
  skipped?: NonNullable<ManyCopyResult['skipped']>;
}

/** A many-tags copy's error when some of its tags failed: the first one's code, and how many. */
export function failedTagsError(failed: FailedTag[], tags: number): { code: string; message: string } {
  const first = failed[0]!;
  const message = `${failed.length} of ${tags} tags were not copied (the others were)`;
  return { code: first.code, message: `${message}; first: ${first.tag}: ${first.message}` };
}

/** Who a job runs for: its owner's id and what the owner may read (mounts never go beyond it). */
export interface JobOwner {
  id: string;
  readScope: string[];
}

// Job records stay a week for `GET /v1/jobs/<id>`.
const JOB_TTL_SECONDS = 7 * 24 * 3600;

/** Done, failed or cancelled: nothing changes it any more. */
export const isFinished = (job: Pick<JobRecord, 'state'> | null | undefined) =>
  job?.state === 'done' || job?.state === 'failed' || job?.state === 'cancelled';

const storeOptions = { ttlSeconds: JOB_TTL_SECONDS };

/**
 * What the job index holds of a job besides its columns: what a list shows, and what deciding who may see
 * it needs (its owner and repositories). Written when the job is created and when its state changes.
 */
export interface JobSummary extends Pick<JobFields, 'id' | 'caller' | 'state' | 'createdAt' | 'updatedAt' | 'parent'> {
  kind: JobRecord['kind'];
  repositories: string[];
  request?: { source: string; target: string };
  promotion?: { source: string; rule: string };
  error?: { code: string; message: string };
}

// A list shows the start of an error's message; the job's page shows all of it.
const SUMMARY_MESSAGE_CHARS = 300;

function summaryOf(job: JobRecord): JobSummary {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    caller: job.caller,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(job.parent ? { parent: job.parent } : {}),
    repositories: jobRepositories(job),
    ...(job.kind === 'copy'
      ? { request: { source: job.request.source, target: job.request.target } }
      : { promotion: { source: job.promotion.source, rule: job.promotion.rule } }),
    ...(job.error
      ? { error: { code: job.error.code, message: job.error.message.slice(0, SUMMARY_MESSAGE_CHARS) } }
      : {}),
  };
}

/** The job's row in the index; a failed write is logged (the record, not the index, is the job's truth). */
async function indexJob(deps: Deps, job: JobRecord): Promise<void> {
  const { id, caller, kind, state, ...detail } = summaryOf(job);
  const row: JobIndexRow = {
    id,
    owner: caller,
    kind,
    state,
    ...(job.kind === 'promote' ? { rule: job.promotion.rule } : {}),
    ...(job.parent ? { parent: job.parent } : {}),
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    detail: JSON.stringify(detail),
  };
  await deps.state.jobIndex
    .put(row, JOB_TTL_SECONDS)
    .catch((error: unknown) =>
      deps.log.error('could not index job', { id, error: error instanceof Error ? error.message : 'unknown' }),
    );
}

/** Creates the record unless one holds the id: the store decides, so two deliveries racing create one job. */
export async function createJobRecord(deps: Deps, job: JobRecord): Promise<{ job: JobRecord; created: boolean }> {
  if (await deps.state.create(stateKeys.job(job.id), JSON.stringify(job), storeOptions)) {
    deps.metrics?.count('jobs', { state: job.state });
    await indexJob(deps, job);
    return { job, created: true };
  }
  const existing = await getJob(deps, job.id);
  if (!existing) throw new AppError('INTERNAL', `job ${job.id} exists but cannot be read`);
  return { job: existing, created: false };
}

/** A new job's fields: what it does (a copy's request, or a promotion), and who it is for. */
export type NewJob = (Pick<CopyJob, 'kind' | 'request' | 'mirror'> | Pick<PromotionJob, 'kind' | 'promotion'>) &
  Pick<JobFields, 'id' | 'caller'> &
  Partial<JobFields>;

export function newJob(deps: Deps, fields: NewJob): JobRecord {
  const now = new Date(deps.now()).toISOString();
  return {
    state: 'queued',
    createdAt: now,
    updatedAt: now,
    runs: 0,
    progress: { blobsDone: 0, blobsTotal: 0 },
    ...(deps.trace ? { trace: deps.trace } : {}),
    ...fields,
  };
}

/** What a job is about; records written before jobs kept it have it derived from their request. */
export function jobRepositories(job: JobRecord | JobSummary): string[] {
  if (job.repositories) return job.repositories;
  if (!('runs' in job)) return [];
  try {
    if (job.kind === 'copy') return Object.values(copySubjects(parseCopySpec(job.request)));
    const source = parseReference(job.promotion.source);
    return [`${source.registry}/${source.repository}`];
  } catch {
    return [];
  }
}

export async function getJob(deps: Deps, id: string): Promise<JobRecord | null> {
  return (await getStateJson<JobRecord>(deps.state, stateKeys.job(id)))?.value ?? adoptLegacyJob(deps, id);
}

/**
 * A job an earlier version recorded in the one `jobs` group: moved to a group of its own and indexed, so
 * its run (a Workflow instance resumed after the upgrade) and its readers go on. The store's create decides
 * between two readers adopting it at once.
 */
async function adoptLegacyJob(deps: Deps, id: string): Promise<JobRecord | null> {
  const legacy = await getStateJson<JobRecord>(deps.state, stateKeys.legacyJob(id));
  if (!legacy) return null;
  const { job } = await createJobRecord(deps, legacy.value);
  await deps.state.delete(stateKeys.legacyJob(id));
  return job;
}

/**
 * Changes a job by compare-and-set: `change` sees the stored record and returns the new one, or null to
 * leave it. Retried when another writer got there first. Returns what is stored in the end.
 */
export async function updateJob(
  deps: Deps,
  id: string,
  change: (job: JobRecord) => JobRecord | null,
): Promise<JobRecord | null> {
  for (;;) {
    const held = await getStateJson<JobRecord>(deps.state, stateKeys.job(id));
    if (!held) return null;
    const next = change(held.value);
    if (!next) return held.value;
    next.updatedAt = new Date(deps.now()).toISOString();
    if (!(await deps.state.update(stateKeys.job(id), held.version, JSON.stringify(next), storeOptions))) continue;
    // The index follows the state, not the progress: a few writes per job, whatever its size.
    if (next.state !== held.value.state) {
      deps.metrics?.count('jobs', { state: next.state });
      await indexJob(deps, next);
    }
    return next;
  }
}

/** Ends a job as failed with `error`, unless it already ended. */
export function failJob(deps: Deps, id: string, error: { code: string; message: string }): Promise<JobRecord | null> {
  return updateJob(deps, id, (job) => (isFinished(job) ? null : { ...job, state: 'failed', error }));
}

export interface JobFilter {
  state?: JobRecord['state'];
  kind?: JobRecord['kind'];
  rule?: string;
  /** The batches of a many-tags job (or of a promotion's targets). */
  parent?: string;
}

/** Whose jobs a list reads: `owner` narrows it to one caller's (by the index); `visible` decides each. */
export interface JobReader {
  owner?: string;
  visible: (job: JobSummary) => boolean;
}

// Index pages one request may read to fill a page with jobs the caller sees.
const MAX_LIST_PAGES = 10;

/**
 * A page of jobs, newest first, matching the filter that the reader may see, from the job index (no record
 * is read). The cursor is a place in the index, not a job: it names no job the caller may not see.
 */
export async function listJobs(
  deps: Deps,
  filter: JobFilter,
  page: { limit: number; cursor?: string },
  reader: JobReader,
): Promise<{ jobs: JobSummary[]; cursor?: string }> {
  const jobs: JobSummary[] = [];
  let cursor = page.cursor;
  for (let pages = 0; pages < MAX_LIST_PAGES; pages++) {
    const listed = await deps.state.jobIndex.list({
      ...filter,
      ...(reader.owner !== undefined ? { owner: reader.owner } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
      limit: page.limit,
    });
    for (const row of listed.rows) {
      const job = summaryFrom(row);
      if (!job || !reader.visible(job)) continue;
      if (jobs.length === page.limit) return { jobs, cursor: jobOrder(jobs[jobs.length - 1]!) };
      jobs.push(job);
    }
    cursor = listed.cursor;
    if (cursor === undefined || jobs.length === page.limit) break;
  }
  return cursor === undefined ? { jobs } : { jobs, cursor };
}

function summaryFrom(row: JobIndexRow): JobSummary | undefined {
  try {
    const detail = JSON.parse(row.detail) as Omit<JobSummary, 'id' | 'caller' | 'kind' | 'state'>;
    return {
      id: row.id,
      kind: row.kind as JobRecord['kind'],
      state: row.state as JobRecord['state'],
      caller: row.owner,
      ...detail,
    };
  } catch {
    return undefined; // a corrupt row is left out
  }
}

/**
 * Unfinished jobs as the index has them (id, and when their state last changed), a page at a time, by state:
 * no finished job is read.
 */
export async function* unfinishedJobs(deps: Deps): AsyncGenerator<Pick<JobIndexRow, 'id' | 'updatedAt'>> {
  for (const state of ['queued', 'running'] as const) {
    let cursor: string | undefined;
    do {
      const page = await deps.state.jobIndex.list({ state, limit: 100, ...(cursor ? { cursor } : {}) });
      for (const row of page.rows) yield { id: row.id, updatedAt: row.updatedAt };
      cursor = page.cursor;
    } while (cursor);
  }
}
