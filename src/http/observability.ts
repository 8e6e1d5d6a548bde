// What operators watch Ferry through: GET /metrics (Prometheus; Node, Deno, Bun) and the events no sink took
// (GET /v1/events/dead).

import { Hono } from 'hono';
import { AppError } from '../errors.js';
import { prometheusText, PROMETHEUS_CONTENT_TYPE } from '../metrics/index.js';
import { listDeadLetters } from '../ops/events/index.js';
import { requireAnyGrant } from '../policy.js';
import type { AppEnv } from './app-env.js';
import { DeadLettersQuerySchema, validate } from './schemas.js';

export function observabilityRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Read where one process keeps every count (Node, Deno, Bun); a Workers isolate holds only its own share.
  app.get('/metrics', (c) => {
    const deps = c.var.deps;
    if (!deps.exposeMetrics || !deps.metrics)
      throw new AppError(
        'METRICS_ELSEWHERE',
        'this runtime counts in each isolate apart and sends the counts to Analytics Engine: query them there',
      );
    requireAnyGrant(deps.config.callers, c.get('caller'), 'metrics');
    return c.body(prometheusText(deps.metrics), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
  });

  // Events a sink never took (after every retry), newest first: those about repositories the caller administers.
  app.get('/v1/events/dead', async (c) => {
    const { sink, limit, cursor } = validate(DeadLettersQuerySchema, c.req.query(), 'query');
    const page = { limit: Number(limit ?? 100), ...(cursor ? { cursor } : {}) };
    return c.json(await listDeadLetters(c.var.deps, c.get('caller'), sink, page));
  });
  return app;
}
