// W3C Trace Context as upstream requests carry it: the trace they belong to, a span id of their own.

export interface TraceContext {
  traceId: string;
  flags: string;
}

export function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The `traceparent` of one upstream request: the same trace, a new span under the caller's. */
export const childTraceparent = (trace: TraceContext) => `00-${trace.traceId}-${randomHex(8)}-${trace.flags}`;
