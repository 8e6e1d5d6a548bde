// GET /v1/jobs/<id>: the state and progress of a job (a copy with "wait": false, a webhook promotion).
// Asking also wakes a job whose runner died, so a poller never waits on a dead job until the sweep.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { getJob, reviveIfStale } from '../ops/jobs.js';
import type { AppEnv } from './app-env.js';
import { isAdmin } from './policy.js';

export function jobRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/v1/jobs/:id', async (c) => {
    const deps = c.var.deps;
    const job = await getJob(deps, c.req.param('id'));
    const caller = c.get('caller');
    // Someone else's job is as good as missing, unless the caller is an admin.
    if (!job || (job.caller !== caller.id && !isAdmin(deps.config.callers, caller))) throw new AppError('NOT_FOUND', 'no such job');
    await reviveIfStale(deps, job).catch((error: unknown) => deps.log.error('could not wake job', { id: job.id, error: error instanceof Error ? error.message : 'unknown' }));
    return c.json(job);
  });
  return app;
}
