// The middleware every request passes first: its trace, its id on the answer, its log line (trace.ts).

import type { MiddlewareHandler } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEnv } from './app-env.js';
import { withRequestId } from './errors.js';
import { traceOf, tracedLogger } from './trace.js';

/**
 * Every request: its trace (the caller's traceparent, or a new one), its id on the answer and in any problem
 * document, and one log line when it is answered.
 */
export function traceRequests(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const trace = traceOf(c.req.header('traceparent'));
    c.set('trace', trace);
    const started = Date.now();
    await next();
    c.res = await withRequestId(c.res, trace.spanId);
    const used = c.var.deps ?? deps;
    tracedLogger(deps.log, trace).info('request', {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ...(c.var.caller ? { caller: c.var.caller.id } : {}),
      ...(used.hostsReached?.size ? { registries: [...used.hostsReached].sort().join(',') } : {}),
      durationMs: Date.now() - started,
    });
  };
}
