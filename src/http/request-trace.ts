// The middleware every request passes first: its trace, its id on the answer, its log line (trace.ts).

import type { MiddlewareHandler } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEnv, Ending } from './app-env.js';
import { withRequestId } from './errors.js';
import { traceOf, tracedLogger } from './trace.js';

const STREAMED = /^(application\/x-ndjson|text\/event-stream)/;

/**
 * Every request: its trace (the caller's traceparent, or a new one), its id on the answer and in any problem
 * document, and one log line when it is answered; a streamed answer (a copy's progress), when its stream ends,
 * with how it ended.
 */
export function traceRequests(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const trace = traceOf(c.req.header('traceparent'));
    c.set('trace', trace);
    const ending: Ending = {};
    c.set('ending', ending);
    const started = Date.now();
    await next();
    c.res = await withRequestId(c.res, trace.spanId);
    const status = c.res.status;
    const line = (streamed: boolean) => {
      const used = c.var.deps ?? deps;
      tracedLogger(deps.log, trace).info('request', {
        method: c.req.method,
        route: c.req.routePath,
        status,
        ...(c.var.caller ? { caller: c.var.caller.id } : {}),
        ...(used.hostsReached?.size ? { registries: [...used.hostsReached].sort().join(',') } : {}),
        ...(streamed ? { streamed, ...ending } : {}),
        durationMs: Date.now() - started,
      });
    };
    const body = c.res.body;
    if (!body || !STREAMED.test(c.res.headers.get('content-type') ?? '')) return line(false);
    c.res = new Response(
      whenEnded(body, () => line(true)),
      c.res,
    );
  };
}

/** The same stream, calling `ended` once when it is read to its end, fails or is cancelled. */
function whenEnded(body: ReadableStream<Uint8Array>, ended: () => void): ReadableStream<Uint8Array> {
  let called = false;
  const once = () => {
    if (!called) ((called = true), ended());
  };
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            once();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          once();
          controller.error(error);
        }
      },
      cancel(reason) {
        once();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
