// Event sinks through the API: an admin adds, reads, changes and removes sinks about repositories it
// administers (every glob a sink names); configured sinks are shown read-only; secrets never leave.

import { Hono } from 'hono';
import { AppError } from '../errors.js';
import { recordAudit } from '../ops/audit.js';
import {
  deleteEventSink,
  getEventSinkView,
  listEventSinkViews,
  putEventSink,
  type EventSinkView,
} from '../ops/events/index.js';
import { isAdminOver, requireAnyGrant } from '../policy.js';
import type { AppEnv } from './app-env.js';
import { readJsonBody } from './body.js';

type Context = { var: AppEnv['Variables']; req: { param(name: string): string } };

export function eventSinkRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const administers = (c: Context) => {
    requireAnyGrant(c.var.deps.config.callers, c.var.caller, 'admin');
    return (repositories: string[]) => isAdminOver(c.var.deps.config.callers, c.var.caller, repositories);
  };
  /** The sink of the path, once the caller administers all it is about (else it is "not found"). */
  const administered = async (c: Context): Promise<EventSinkView> => {
    const visible = administers(c);
    const sink = await getEventSinkView(c.var.deps, c.req.param('name'));
    if (!sink || !visible(sink.repositories ?? ['**/**']))
      throw new AppError('NOT_FOUND', `no event sink "${c.req.param('name')}" you administer`);
    return sink;
  };

  app.get('/v1/events/sinks', async (c) => c.json({ sinks: await listEventSinkViews(c.var.deps, administers(c)) }));
  app.get('/v1/events/sinks/:name', async (c) => c.json(await administered(c)));
  app.put('/v1/events/sinks/:name', async (c) => {
    const deps = c.var.deps;
    administers(c);
    const existing = await getEventSinkView(deps, c.req.param('name'));
    // Replacing a sink takes administering what it was about, as well as what it will be about.
    if (existing?.origin === 'api' && !isAdminOver(deps.config.callers, c.var.caller, existing.repositories ?? []))
      throw new AppError('NOT_FOUND', `no event sink "${c.req.param('name')}" you administer`);
    const sink = await putEventSink(deps, c.var.caller, c.req.param('name'), await readJsonBody(c.req.raw, deps));
    await audit(c, 'event-sink.put', sink);
    return c.json(sink);
  });
  app.delete('/v1/events/sinks/:name', async (c) => {
    const sink = await administered(c);
    await deleteEventSink(c.var.deps, sink.name);
    await audit(c, 'event-sink.delete', sink);
    return c.body(null, 204);
  });
  return app;
}

function audit(c: Context, action: string, sink: EventSinkView): Promise<void> {
  return recordAudit(c.var.deps, {
    caller: c.var.caller.id,
    action,
    target: sink.name,
    repositories: sink.repositories ?? [],
    outcome: 'ok',
  });
}
