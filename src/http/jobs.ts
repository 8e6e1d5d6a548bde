// Jobs (a copy with "wait": false or too large for its request, a webhook promotion): listed, read and
// cancelled by whoever may see them. Reading one also wakes it if its runner died, so a poller never
// waits on a dead job until the sweep.

import { Hono } from 'hono';
import type { Caller, CallersConfig } from '../config/callers.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import {
  cancelJob,
  getJob,
  isFinished,
  jobRepositories,
  listJobs,
  reviveIfStale,
  type JobReader,
  type JobRecord,
  type JobSummary,
} from '../ops/jobs/index.js';
import { holdsAnyGrant, isAdminOver, isAllowed, ownsJob } from '../policy.js';
import type { AppEnv } from './app-env.js';
import { JobsQuerySchema, validate } from './schemas.js';

/**
 * Its owner while the owner may still read one of its repositories, and admins of all of them. Anyone else
 * is told it does not exist.
 */
export function mayRead(callers: CallersConfig, caller: Caller, job: JobRecord | JobSummary): boolean {
  const repositories = jobRepositories(job);
  if (
    ownsJob(caller, job.caller) &&
    repositories.some((r) => !r.includes('{') && isAllowed(callers, caller, 'inspect', r))
  )
    return true;
  return isAdminOver(callers, caller, repositories);
}

/**
 * Whose jobs a list reads for the caller: a caller who administers nothing sees at most its own, so its list
 * reads only its own rows of the index; an admin's reads every row and keeps what it administers.
 */
export function jobReader(callers: CallersConfig, caller: Caller): JobReader {
  return {
    ...(holdsAnyGrant(callers, caller, 'admin') ? {} : { owner: caller.id }),
    visible: (job) => mayRead(callers, caller, job),
  };
}

const noSuchJob = () => new AppError('NOT_FOUND', 'no such job');

/** A job the caller may see, or NOT_FOUND (whether it exists is not said); woken if its runner died. */
export async function visibleJob(deps: Deps, caller: Caller, id: string): Promise<JobRecord> {
  const job = await getJob(deps, id);
  if (!job || !mayRead(deps.config.callers, caller, job)) throw noSuchJob();
  await reviveIfStale(deps, job).catch((error: unknown) =>
    deps.log.error('could not wake job', { id: job.id, error: error instanceof Error ? error.message : 'unknown' }),
  );
  return job;
}

/** Cancels a queued or running job the caller may see; a finished one is a CONFLICT. */
export async function cancelVisibleJob(deps: Deps, caller: Caller, id: string): Promise<JobRecord> {
  const job = await getJob(deps, id);
  if (!job || !mayRead(deps.config.callers, caller, job)) throw noSuchJob();
  if (isFinished(job))
    throw new AppError('CONFLICT', `job ${job.id} has finished (${job.state}): there is nothing to cancel`);
  const cancelled = await cancelJob(deps, job.id, caller.id);
  if (cancelled?.state !== 'cancelled')
    throw new AppError(
      'CONFLICT',
      `job ${job.id} finished (${cancelled?.state ?? 'gone'}) before it could be cancelled`,
    );
  return cancelled;
}

export function jobRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/v1/jobs', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    const { limit, cursor, ...filter } = validate(JobsQuerySchema, c.req.query(), 'query');
    const page = await listJobs(
      deps,
      filter,
      { limit: Number(limit ?? 50), ...(cursor ? { cursor } : {}) },
      jobReader(deps.config.callers, caller),
    );
    return c.json(page);
  });
  app.get('/v1/jobs/:id', async (c) => c.json(await visibleJob(c.var.deps, c.get('caller'), c.req.param('id'))));
  // Cancels a queued or running job (its creator or an admin); a finished one is a 409.
  app.delete('/v1/jobs/:id', async (c) =>
    c.json(await cancelVisibleJob(c.var.deps, c.get('caller'), c.req.param('id'))),
  );
  return app;
}
