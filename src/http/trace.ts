// W3C Trace Context for each request: the caller's `traceparent` taken (or a trace begun), a span of Ferry's
// own whose id is the request id (the response's `x-request-id`, every problem document's `requestId`), and
// each upstream request sent as a child of it. Log lines carry both ids, so a copy can be followed from the
// caller through Ferry into the registries' own logs.

import { withLogFields, type Deps, type Logger } from '../deps.js';
import { randomHex } from '../registry/trace-context.js';

export interface Trace {
  traceId: string;
  /** Ferry's span for this request: the request id. */
  spanId: string;
  /** The caller's trace flags (sampled or not), passed on as they came. */
  flags: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The request's trace: the caller's, when its traceparent is well formed (ids not all zero), else a new one. */
export function traceOf(traceparent: string | undefined): Trace {
  const found = TRACEPARENT.exec(traceparent?.trim().toLowerCase() ?? '');
  const valid = found && !/^0+$/.test(found[1]!) && !/^0+$/.test(found[2]!);
  return { traceId: valid ? found[1]! : randomHex(16), spanId: randomHex(8), flags: valid ? found[3]! : '01' };
}

/** A logger whose every line names the request and its trace. */
export const tracedLogger = (log: Logger, trace: Trace): Logger =>
  withLogFields(log, { requestId: trace.spanId, traceId: trace.traceId });

/** Deps for one request: its trace, a log naming it, and the set of hosts its registry requests reach. */
export function tracedDeps(deps: Deps, trace: Trace): Deps {
  return {
    ...deps,
    trace: { traceId: trace.traceId, flags: trace.flags },
    log: tracedLogger(deps.log, trace),
    hostsReached: new Set(),
  };
}
