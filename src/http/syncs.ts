// Sync sets over HTTP: written and read by admins over every repository a set names (as rules are); run, or
// planned in a dry run, by a caller who may read every source and copy to every target.

import { Hono } from 'hono';
import type { Caller, CallersConfig } from '../config/callers.js';
import { isSyncSetName, syncSetRepositories, syncSetSources, syncSetTargets, type SyncSet } from '../config/syncs.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../ops/audit.js';
import {
  deleteSyncSet,
  dryRunSync,
  findSyncSet,
  listSyncRuns,
  listSyncSets,
  parseSyncSetBody,
  putSyncSet,
  syncSetView,
  startSyncRun,
  type StoredSyncSet,
} from '../ops/sync/index.js';
import { coversGlob, isAdminOver, readScope, requireAnyGrant } from '../policy.js';
import type { AppEnv } from './app-env.js';
import { readJsonBody } from './body.js';
import { SyncRunRequestSchema, validate } from './schemas.js';

const administers = (callers: CallersConfig, caller: Caller, set: SyncSet) =>
  isAdminOver(callers, caller, syncSetRepositories(set));

/** Reads every source and copies to every target (what a run does on the caller's behalf), or administers it. */
const mayRun = (callers: CallersConfig, caller: Caller, set: SyncSet) =>
  administers(callers, caller, set) ||
  (syncSetSources(set).every((r) => coversGlob(callers, caller, 'inspect', r)) &&
    syncSetTargets(set).every((r) => coversGlob(callers, caller, 'copy', r)));

/** The sets the caller may run (or administers): the API's list and the console's. */
export async function runnableSyncSets(deps: Deps, caller: Caller): Promise<StoredSyncSet[]> {
  return (await listSyncSets(deps)).filter((s) => mayRun(deps.config.callers, caller, s));
}

/** A set the caller may run, or NOT_FOUND. */
export const runnableSyncSet = (deps: Deps, caller: Caller, name: string) => visibleSet(deps, caller, name, mayRun);

/** A run the caller starts: it reads on the caller's behalf. */
export async function startRunFor(deps: Deps, caller: Caller, set: SyncSet, only?: string) {
  const owner = { id: caller.id, readScope: readScope(deps.config.callers, caller) };
  const started = await startSyncRun(deps, set, owner, { trigger: 'manual', ...(only ? { only } : {}) });
  await recordAudit(deps, {
    caller: caller.id,
    action: 'sync.run',
    target: set.name,
    repositories: syncSetRepositories(set),
    outcome: 'ok',
  });
  return started;
}

/** The set, for a caller allowed to see it by `allowed`; anyone else is told it does not exist. */
async function visibleSet(
  deps: Deps,
  caller: Caller,
  name: string,
  allowed: (callers: CallersConfig, caller: Caller, set: SyncSet) => boolean,
): Promise<StoredSyncSet> {
  const set = isSyncSetName(name) ? await findSyncSet(deps, name) : undefined;
  if (!set || !allowed(deps.config.callers, caller, set))
    throw new AppError('NOT_FOUND', `no sync set named "${name.slice(0, 64)}"`);
  return set;
}

export function syncRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/v1/syncs', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    return c.json({ syncs: (await runnableSyncSets(deps, caller)).map(syncSetView) });
  });

  app.get('/v1/syncs/:name', async (c) =>
    c.json(syncSetView(await visibleSet(c.var.deps, c.get('caller'), c.req.param('name'), mayRun))),
  );

  app.put('/v1/syncs/:name', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    const callers = deps.config.callers;
    requireAnyGrant(callers, caller, 'admin');
    const name = c.req.param('name');
    if (!isSyncSetName(name)) throw new AppError('INVALID_REQUEST', 'sync set names are 1-64 of A-Z a-z 0-9 _ . -');
    const set = parseSyncSetBody(name, await readJsonBody(c.req.raw, deps));
    const existing = await findSyncSet(deps, name);
    for (const s of existing ? [set, existing] : [set]) {
      const gap = syncSetRepositories(s).find((r) => !isAdminOver(callers, caller, [r]));
      if (gap !== undefined)
        throw new AppError('FORBIDDEN', `caller ${caller.id} has no "admin" grant covering ${gap}`, {
          details: { missingGrant: { action: 'admin', repository: gap } },
        });
    }
    await putSyncSet(deps, set, caller);
    await recordAudit(deps, {
      caller: caller.id,
      action: 'sync.put',
      target: name,
      repositories: syncSetRepositories(set),
      outcome: 'ok',
    });
    return c.json({ ...set, origin: 'api', author: caller.id });
  });

  app.delete('/v1/syncs/:name', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    const set = await visibleSet(deps, caller, c.req.param('name'), administers);
    await deleteSyncSet(deps, set.name);
    await recordAudit(deps, {
      caller: caller.id,
      action: 'sync.delete',
      target: set.name,
      repositories: syncSetRepositories(set),
      outcome: 'ok',
    });
    return c.body(null, 204);
  });

  // A run (202, a job per repository queued: each plans, prunes and copies) or, with "dryRun": true, its plan
  // (200): copy, skip or prune per tag.
  app.post('/v1/syncs/:name/runs', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    const set = await visibleSet(deps, caller, c.req.param('name'), mayRun);
    const request = validate(SyncRunRequestSchema, await readJsonBody(c.req.raw, deps, { empty: {} }), 'sync run');
    if (request.dryRun) return c.json({ dryRun: true, plan: await dryRunSync(deps, set, request.repository) });
    const { run } = await startRunFor(deps, caller, set, request.repository);
    return c.json({ run }, 202);
  });

  app.get('/v1/syncs/:name/runs', async (c) => {
    const deps = c.var.deps;
    const set = await visibleSet(deps, c.get('caller'), c.req.param('name'), mayRun);
    return c.json({ runs: await listSyncRuns(deps, set.name) });
  });

  return app;
}
