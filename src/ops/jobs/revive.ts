// Jobs whose runner died: a record silent for `jobs.staleAfterSeconds` is woken, a bounded number of times.

import type { Deps } from '../../deps.js';
import { SLOT_WAIT_MS } from './lane-slots.js';
import { failJob, getJob, isFinished, unfinishedJobs, updateJob, type JobRecord } from './record.js';

// A job woken this many times without finishing fails instead: its failure is not one a restart cures.
export const MAX_JOB_WAKES = 5;

/**
 * True when a job should be running but its record went silent for `jobs.staleAfterSeconds`; a job waiting
 * for a slot asks again (and rewrites its record) each SLOT_WAIT_MS, so it is silent only after that too.
 */
export function isStale(deps: Deps, job: JobRecord): boolean {
  const silence = deps.config.jobStaleAfterMs + (job.waiting && job.state === 'queued' ? SLOT_WAIT_MS : 0);
  // A job sleeping through a registry's hold is silent until the hold ends.
  const from = Math.max(Date.parse(job.updatedAt), job.waiting?.until ? Date.parse(job.waiting.until) : 0);
  return !isFinished(job) && deps.now() - from > silence;
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
  // Only a job that started and keeps losing its runner fails for it; one still queued (its turn not come,
  // or its instance never made) is woken as often as it goes silent.
  if (woken.state === 'running' && (woken.wakes ?? 0) > MAX_JOB_WAKES) {
    deps.log.warn('job keeps losing its runner: failing it', { id: job.id, wakes: woken.wakes });
    await failJob(deps, job.id, {
      code: 'INTERNAL',
      message: `the job's runner stopped ${MAX_JOB_WAKES} times without finishing; giving up`,
    });
    return false;
  }
  deps.log.warn('job went silent: waking it', { id: job.id, updatedAt: job.updatedAt });
  await deps.jobs.wake(job.id);
  return true;
}

// Job records one sweep reads at most: a bounded piece of work however many jobs are queued.
const MAX_SWEEP_READS = 200;

/**
 * The sweep (a cron on Workers, whose engine resumes its instances by itself: this catches a job whose
 * instance never started or died with its host): wakes unfinished jobs that went silent. It reads the index
 * of unfinished jobs, and a job's record only when its state is older than the silence that counts.
 */
export async function reviveStaleJobs(deps: Deps): Promise<number> {
  let woken = 0;
  let reads = 0;
  for await (const row of unfinishedJobs(deps)) {
    if (deps.now() - Date.parse(row.updatedAt) <= deps.config.jobStaleAfterMs) continue;
    if (++reads > MAX_SWEEP_READS) break;
    const revived = await getJob(deps, row.id)
      .then((job) => (job ? reviveIfStale(deps, job) : false))
      .catch((error: unknown) => {
        deps.log.error('could not wake job', { id: row.id, error: error instanceof Error ? error.message : 'unknown' });
        return false;
      });
    if (revived) woken++;
  }
  return woken;
}
