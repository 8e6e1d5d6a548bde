/** @jsxImportSource hono/jsx */
// The console's events pages, on the console's own guards: the sinks an admin administers, and a sink's
// dead letters, read through the same front doors as the API.

import type { Hono } from 'hono';
import { listDeadLetters, listEventSinkViews } from '../../ops/events/index.js';
import { isAdminOver, requireAnyGrant } from '../../policy.js';
import type { AppEnv } from '../app-env.js';
import { page } from './guard.js';
import { DeadLetters, EventSinks } from './pages/events.js';

export function eventPages(app: Hono<AppEnv>): void {
  app.get(
    '/console/events',
    page(
      () => 'Events',
      async (c, caller) => {
        const callers = c.var.deps.config.callers;
        requireAnyGrant(callers, caller, 'admin');
        const visible = (repositories: string[]) => isAdminOver(callers, caller, repositories);
        return <EventSinks sinks={await listEventSinkViews(c.var.deps, visible)} />;
      },
    ),
  );
  app.get(
    '/console/events/:sink/dead',
    page(
      (c) => `Dead letters of ${c.req.param('sink') ?? ''}`,
      async (c, caller) => {
        const sink = c.req.param('sink')!;
        const cursor = c.req.query('cursor');
        const page = await listDeadLetters(c.var.deps, caller, sink, { limit: 100, ...(cursor ? { cursor } : {}) });
        return <DeadLetters sink={sink} letters={page.deadLetters} {...(page.cursor ? { next: page.cursor } : {})} />;
      },
    ),
  );
}
