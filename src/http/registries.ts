// Registry entries through the API: an admin over every repository of a host (`<host>/**`) reads, adds,
// changes and removes that host's entry; configured entries are shown read-only; secrets never leave.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../ops/audit.js';
import {
  deleteRegistryEntry,
  entryHost,
  getRegistryEntry,
  listRegistryEntries,
  putRegistryEntry,
} from '../ops/registries/index.js';
import { coversGlob, requireAnyGrant } from '../policy.js';
import type { AppEnv } from './app-env.js';
import { readJsonBody } from './body.js';

export function registryRoutes(_deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  /** The host of the path, once the caller is known to administer all of it (else it is "not found"). */
  const administered = (c: { var: AppEnv['Variables']; req: { param(name: string): string } }) => {
    const deps = c.var.deps;
    requireAnyGrant(deps.config.callers, c.var.caller, 'admin');
    const host = entryHost(c.req.param('host'));
    if (!coversGlob(deps.config.callers, c.var.caller, 'admin', `${host}/**`)) {
      throw new AppError('FORBIDDEN', `caller ${c.var.caller.id} has no "admin" grant covering ${host}/**`, {
        details: { missingGrant: { action: 'admin', repository: `${host}/**` } },
      });
    }
    return host;
  };

  app.get('/v1/registries', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    requireAnyGrant(deps.config.callers, caller, 'admin');
    const entries = await listRegistryEntries(deps);
    return c.json({
      registries: entries.filter((e) => coversGlob(deps.config.callers, caller, 'admin', `${e.host}/**`)),
    });
  });
  app.get('/v1/registries/:host', async (c) => {
    const host = administered(c);
    const entry = await getRegistryEntry(c.var.deps, host);
    if (!entry) throw new AppError('NOT_FOUND', `no registry entry for ${host}`);
    return c.json(entry);
  });
  app.put('/v1/registries/:host', async (c) => {
    const deps = c.var.deps;
    const host = administered(c);
    const caller = c.get('caller');
    const entry = await putRegistryEntry(deps, caller, host, await readJsonBody(c.req.raw, deps));
    await recordAudit(deps, {
      caller: caller.id,
      action: 'registry.put',
      target: host,
      repositories: [`${host}/**`],
      outcome: 'ok',
      detail: describeChange(entry.credentials),
    });
    return c.json(entry);
  });
  app.delete('/v1/registries/:host', async (c) => {
    const deps = c.var.deps;
    const host = administered(c);
    await deleteRegistryEntry(deps, host);
    await recordAudit(deps, {
      caller: c.get('caller').id,
      action: 'registry.delete',
      target: host,
      repositories: [`${host}/**`],
      outcome: 'ok',
    });
    return c.body(null, 204);
  });
  return app;
}

/** What kind of credentials the entry now has: never a value. */
function describeChange(credentials: Record<string, unknown> | undefined): string {
  if (!credentials) return 'credentials: none';
  const kind =
    ['aws', 'google', 'azure', 'githubApp'].find((k) => k in credentials) ??
    Object.keys(credentials)
      .filter((k) => k !== 'username')
      .join('+');
  return `credentials: ${kind}`;
}
