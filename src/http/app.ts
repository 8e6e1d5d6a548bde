// Builds the HTTP application from a runtime's dependencies: routes, then one error mapping.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { problemResponse } from './errors.js';
import { copyRoutes } from './copy.js';
import { readRoutes } from './inspect.js';

export function createApp(deps: Deps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.route('/', readRoutes(deps));
  app.route('/', copyRoutes(deps));
  app.notFound(() => problemResponse(new AppError('ROUTE_NOT_FOUND', 'no such route'), deps.log));
  app.onError((error) => problemResponse(error, deps.log));
  return app;
}
