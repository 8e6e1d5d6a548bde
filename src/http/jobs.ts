// GET /v1/jobs/<id>: the state and progress of a job (a copy with "wait": false, a webhook promotion).
// Asking also wakes a job whose runner died, so a poller never waits on a dead job until the sweep.

import { Hono } from 'hono';
import type { Caller, CallersConfig } from '../callers.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { getJob, jobRepositories, reviveIfStale, type JobRecord } from '../ops/jobs.js';
import { isAdminOver, isAllowed, ownsJob } from '../policy.js';
import type { AppEnv } from './app-env.js';

/**
 * Its owner while the owner may still read one of its repositories, and admins of all of them. Anyone else
 * is told it does not exist.
 */
function mayRead(callers: CallersConfig, caller: Caller, job: JobRecord): boolean {
  const repositories = jobRepositories(job);
  if (ownsJob(caller, job.caller) && repositories.some((r) => !r.includes('{') && isAllowed(callers, caller, 'inspect', r))) return true;
  return isAdminOver(callers, caller, repositories);
}

export function jobRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/v1/jobs/:id', async (c) => {
    const deps = c.var.deps;
    const job = await getJob(deps, c.req.param('id'));
    if (!job || !mayRead(deps.config.callers, c.get('caller'), job)) throw new AppError('NOT_FOUND', 'no such job');
    await reviveIfStale(deps, job).catch((error: unknown) => deps.log.error('could not wake job', { id: job.id, error: error instanceof Error ? error.message : 'unknown' }));
    return c.json(job);
  });
  return app;
}
