// Work cut into batches, each a job (and Workflow instance) of its own: an instance has one budget of
// subrequests for all its steps. A many-tags job (`tags: "all"` or `match`) lists its tags once, starts a
// batch per TAGS_PER_BATCH tags, and ends with counts and its batches' ids: each tag's result stays with
// its batch (GET /v1/jobs?parent=<id>), so the parent's record stays small however many tags it copies. A
// tag that fails is reported by its batch, which goes on with the others. A promotion to many targets
// moves each target's blobs in a batch, then pushes the manifests itself, finding the blobs in place. The
// parent learns from an event when a batch ends, and counts what is unfinished from the job index.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { parseCopySpec, selectTags, type FailedTag, type ManyCopyResult } from '../copy/index.js';
import {
  createJobRecord,
  getJob,
  isFinished,
  updateJob,
  failedTagsError,
  type BatchedCopyResult,
  type CopyJob,
  type JobRecord,
} from './record.js';
import type { CompactPlan } from './blob-plan.js';

/** Tags per batch: ~10 subrequests a tag (more for new blobs) keeps a batch far under 10,000. */
export const TAGS_PER_BATCH = 100;

/**
 * A batch's id: derived from the parent's, so a replayed step finds the batches it started. Job ids are
 * Workflow instance ids, which the engine takes only as `^[a-zA-Z0-9_][a-zA-Z0-9-_]*$` of at most 100
 * characters: a UUID and a suffix of `_` and letters or digits.
 */
export const batchId = (parent: string, index: number) => `${parent}_${index}`;

/** A promotion's blob batch for its `index`th target. */
export const blobBatchId = (parent: string, index: number) => `${parent}_t${index}`;

/** The tags of a many-tags job, sorted (one tag list request). Empty when the job is over already. */
export async function listJobTags(deps: Deps, id: string): Promise<string[]> {
  const job = await getJob(deps, id);
  if (!job || isFinished(job) || job.kind !== 'copy') return [];
  const spec = parseCopySpec(job.request);
  return spec.kind === 'repository' ? selectTags(deps, spec) : [];
}

/**
 * Creates (once: the ids derive from the parent's) and queues a job per batch, the parent's caller
 * owning each; the parent runs, naming them. Returns their ids.
 */
async function startJobs(
  deps: Deps,
  parent: JobRecord,
  batches: Pick<CopyJob, 'id' | 'request' | 'tags' | 'targetAsked' | 'blobs' | 'progress'>[],
): Promise<string[]> {
  if (!deps.jobs) throw new AppError('NOT_SUPPORTED', 'batches need a job runner');
  for (const fields of batches) {
    const now = new Date(deps.now()).toISOString();
    const owner = {
      caller: parent.caller,
      ...(parent.readScope ? { readScope: parent.readScope } : {}),
      ...(parent.repositories ? { repositories: parent.repositories } : {}),
    };
    await createJobRecord(deps, {
      kind: 'copy',
      parent: parent.id,
      ...owner,
      state: 'queued',
      createdAt: now,
      updatedAt: now,
      runs: 0,
      ...fields,
    });
    await deps.jobs.enqueue(fields.id);
  }
  const ids = batches.map((b) => b.id);
  await updateJob(deps, parent.id, (job) => (isFinished(job) ? null : { ...job, state: 'running', batches: ids }));
  return ids;
}

/**
 * A many-tags job: a batch per TAGS_PER_BATCH tags (ids <job>.<n>), each copying its tags. `targetAsked`: the
 * tags were found missing or naming another image at the target just now (a sync run's plan).
 */
export async function startBatches(deps: Deps, id: string, tags: string[], targetAsked = false): Promise<string[]> {
  const parent = await updateJob(deps, id, (job) =>
    isFinished(job) ? null : { ...job, state: 'running', runs: job.runs + 1 },
  );
  if (!parent || isFinished(parent) || parent.kind !== 'copy') return [];
  const batches = [];
  for (let i = 0; i * TAGS_PER_BATCH < tags.length; i++) {
    batches.push({
      id: batchId(id, i),
      request: parent.request,
      tags: tags.slice(i * TAGS_PER_BATCH, (i + 1) * TAGS_PER_BATCH),
      ...(targetAsked ? { targetAsked: true as const } : {}),
      progress: { blobsDone: 0, blobsTotal: 0 },
    });
  }
  return startJobs(deps, parent, batches);
}

/** A promotion's blobs, a batch per target (ids <job>_t<n>): each brings its blobs and is done. */
export async function startBlobBatches(deps: Deps, id: string, plan: CompactPlan): Promise<string[]> {
  const parent = await getJob(deps, id);
  if (!parent || isFinished(parent)) return [];
  return startJobs(
    deps,
    parent,
    plan.groups.map((group, i) => ({
      id: blobBatchId(id, i),
      request: { source: group.source, target: group.target },
      blobs: { mediaTypes: plan.mediaTypes, groups: [group] },
      progress: { blobsDone: 0, blobsTotal: group.blobs.length },
    })),
  );
}

/** A blob batch is done once its blob steps ran (a blob that failed there is the promotion's to retry). */
export async function finishBlobBatch(deps: Deps, id: string): Promise<void> {
  await updateJob(deps, id, (job) => (isFinished(job) ? null : { ...job, state: 'done' }));
}

/**
 * How many of the parent's batches are unfinished, from the job index (one list, not a read per batch);
 * the parent's progress counts the finished ones, and its record's write is its heartbeat.
 */
export async function checkBatches(deps: Deps, id: string, ids: string[]): Promise<number> {
  let finished = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.state.jobIndex.list({ parent: id, limit: 100, ...(cursor ? { cursor } : {}) });
    finished += page.rows.filter((row) => isFinished(row as Pick<JobRecord, 'state'>)).length;
    cursor = page.cursor;
  } while (cursor);
  const progress = { blobsDone: 0, blobsTotal: 0, batchesDone: finished, batchesTotal: ids.length };
  await updateJob(deps, id, (job) => (isFinished(job) ? null : { ...job, state: 'running', progress }));
  return ids.length - finished;
}

// Failed tags a parent's record names (the batches name them all).
const FAILED_TAGS_KEPT = 100;

/**
 * Ends the parent with counts: done when every tag was copied, or failed as its first failed tag, the
 * others copied all the same. A batch that ended without a result (cancelled, or failed whole) counts
 * each of its tags as failed.
 */
export async function finishBatches(deps: Deps, id: string, ids: string[]): Promise<void> {
  const batches = await Promise.all(ids.map((b) => getJob(deps, b)));
  let copied = 0;
  let tags = 0;
  const failed: FailedTag[] = [];
  const skipped: NonNullable<ManyCopyResult['skipped']> = [];
  batches.forEach((batch, i) => {
    const result = batch?.result && 'results' in batch.result ? batch.result : undefined;
    tags += batch?.tags?.length ?? 0;
    if (result) {
      copied += result.results.length;
      failed.push(...(result.failed ?? []));
      skipped.push(...(result.skipped ?? []));
      return;
    }
    const error = batch?.error ?? { code: 'INTERNAL', message: `batch ${ids[i]} is gone` };
    const reason = batch?.state === 'cancelled' ? { code: 'CONFLICT', message: 'cancelled' } : error;
    failed.push(...(batch?.tags ?? []).map((tag) => ({ tag, code: reason.code, message: reason.message })));
  });
  const result: BatchedCopyResult = {
    counts: { tags, copied, failed: failed.length, skipped: skipped.length },
    batches: ids,
    ...(failed.length ? { failed: failed.slice(0, FAILED_TAGS_KEPT) } : {}),
    ...(skipped.length ? { skipped: skipped.slice(0, FAILED_TAGS_KEPT) } : {}),
  };
  await updateJob(deps, id, (job) => {
    if (isFinished(job)) return null;
    // A sync run's job may find nothing to copy; any other many-tags job lists at least one tag.
    if (!batches.length && !(job.kind === 'copy' && job.mirror))
      return { ...job, state: 'failed', error: { code: 'INTERNAL', message: 'the job has no batches' } };
    if (failed.length) return { ...job, state: 'failed', result, error: failedTagsError(failed, tags) };
    return { ...job, state: 'done', result };
  });
}
