// Jobs that outlive their request: recorded in the state store (consistent, atomic), run by a JobQueue (a
// Workflow instance, or an in-process queue), and picked up again after a crash or a restart (blobs already
// at the target are skipped; a recorded chunked upload continues). A running job rewrites its record at
// least every third of `jobs.staleAfterSeconds`; a record older than that means its runner died, and the
// job is woken, a bounded number of times.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { jobLabels, stateKeys } from '../../state/records.js';
import { getStateJson } from '../../state/store.js';
import { parseReference } from '../../reference.js';
import type { JobProgress } from './progress.js';
import type { CopyResult } from '../copy/index.js';
import { copySubjects, parseCopySpec, type CopyRequest, type ManyCopyResult } from '../copy/index.js';
import type { CompactPlan } from './blob-plan.js';

/** A copy job: the copy as it was asked for (less `wait`). */
export interface CopyJob extends JobFields {
  kind: 'copy';
  request: CopyRequest;
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
  /** How many times the job was woken after its runner went silent. */
  wakes?: number;
  progress: JobProgress;
  result?: CopyResult | ManyCopyResult;
  error?: { code: string; message: string; blob?: string };
  /** Why the job exists when the caller asked for a synchronous copy (it was too large, or its client left). */
  reason?: string;
  /** A batch of a many-tags job (src/ops/jobs/batches.ts): the tags it copies, and the job it is part of. */
  tags?: string[];
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

/** Done, failed or cancelled: nothing changes it any more. */
export const isFinished = (job: Pick<JobRecord, 'state'> | null | undefined) =>
  job?.state === 'done' || job?.state === 'failed' || job?.state === 'cancelled';

function labelsOf(job: JobRecord): string[] {
  const labels = [jobLabels.state(job.state), jobLabels.kind(job.kind)];
  if (job.kind === 'promote') labels.push(jobLabels.rule(job.promotion.rule));
  if (job.kind === 'copy') {
    const [source, target] = jobRepositories(job);
    if (source && target) labels.push(jobLabels.repository(source), jobLabels.repository(target));
  }
  return [...new Set(labels)];
}

const storeOptions = (job: JobRecord) => ({ ttlSeconds: JOB_TTL_SECONDS, labels: labelsOf(job) });

/** Creates the record unless one holds the id: the store decides, so two deliveries racing create one job. */
export async function createJobRecord(deps: Deps, job: JobRecord): Promise<{ job: JobRecord; created: boolean }> {
  if (await deps.state.create(stateKeys.job(job.id), JSON.stringify(job), storeOptions(job)))
    return { job, created: true };
  const existing = await getJob(deps, job.id);
  if (!existing) throw new AppError('INTERNAL', `job ${job.id} exists but cannot be read`);
  return { job: existing, created: false };
}

/** A new job's fields: what it does (a copy's request, or a promotion), and who it is for. */
export type NewJob = (Pick<CopyJob, 'kind' | 'request'> | Pick<PromotionJob, 'kind' | 'promotion'>) &
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
    ...fields,
  };
}

/** What a job is about; records written before jobs kept it have it derived from their request. */
export function jobRepositories(job: JobRecord): string[] {
  if (job.repositories) return job.repositories;
  try {
    if (job.kind === 'copy') return Object.values(copySubjects(parseCopySpec(job.request)));
    const source = parseReference(job.promotion.source);
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
    if (await deps.state.update(stateKeys.job(id), held.version, JSON.stringify(next), storeOptions(next))) return next;
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
}

// Store pages one request may read to fill a page with jobs the caller sees.
const MAX_LIST_PAGES = 10;

/**
 * A page of jobs matching the filter that `visible` lets the caller see, as the store lists them, filled
 * from further store pages (a few at most) when entries were left out. The cursor is the key of the last
 * job shown: it names no other caller's job. The most selective filter is the store's label; the others
 * are checked here.
 */
export async function listJobs(
  deps: Deps,
  filter: JobFilter,
  page: { limit: number; cursor?: string },
  visible: (job: JobRecord) => boolean,
): Promise<{ jobs: JobRecord[]; cursor?: string }> {
  const label = filter.rule
    ? jobLabels.rule(filter.rule)
    : filter.kind
      ? jobLabels.kind(filter.kind)
      : filter.state
        ? jobLabels.state(filter.state)
        : undefined;
  const jobs: JobRecord[] = [];
  let cursor = page.cursor;
  let lastShown: string | undefined;
  let more = false;
  for (let pages = 0; pages < MAX_LIST_PAGES; pages++) {
    const listed = await deps.state.list(stateKeys.jobsPrefix(), {
      limit: page.limit,
      ...(label ? { label } : {}),
      ...(cursor ? { cursor } : {}),
    });
    for (const entry of listed.entries) {
      const job = matching(entry.value, filter);
      if (!job || !visible(job)) continue;
      if (jobs.length === page.limit) return { jobs, cursor: lastShown! };
      jobs.push(job);
      lastShown = entry.key;
    }
    more = listed.cursor !== undefined;
    if (!more || jobs.length === page.limit) break;
    cursor = listed.cursor;
  }
  return more && lastShown ? { jobs, cursor: lastShown } : { jobs };
}

function matching(value: string, filter: JobFilter): JobRecord | undefined {
  let job: JobRecord;
  try {
    job = JSON.parse(value) as JobRecord;
  } catch {
    return undefined;
  }
  if (filter.state && job.state !== filter.state) return undefined;
  if (filter.kind && job.kind !== filter.kind) return undefined;
  if (filter.rule && (job.kind !== 'promote' || job.promotion.rule !== filter.rule)) return undefined;
  return job;
}

/** Unfinished jobs, a page at a time (the store lists them by state label: no scan of finished ones). */
export async function* unfinishedJobs(deps: Deps): AsyncGenerator<JobRecord> {
  for (const state of ['queued', 'running'] as const) {
    let cursor: string | undefined;
    do {
      const page = await deps.state.list(stateKeys.jobsPrefix(), {
        label: jobLabels.state(state),
        ...(cursor ? { cursor } : {}),
      });
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
