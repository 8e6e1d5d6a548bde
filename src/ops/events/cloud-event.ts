// What happened, as a CloudEvent 1.0 in structured JSON mode: `type` names the kind and outcome
// (dev.ferry.copy.completed), `subject` the repository, `data` the rest; the trace goes along as the
// distributed-tracing extension's `traceparent`.

import type { Deps } from '../../deps.js';
import { childTraceparent } from '../../registry/trace-context.js';

export type EventKind = 'copy' | 'promotion' | 'sync' | 'job';
export type EventOutcome = 'completed' | 'failed' | 'refused' | 'cancelled';

export interface FerryEvent {
  kind: EventKind;
  outcome: EventOutcome;
  /** The repositories it is about ("registry/repository"), for the sinks' filters; the first is its subject. */
  repositories: string[];
  data: Record<string, unknown>;
}

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  traceparent?: string;
  data: Record<string, unknown>;
}

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

export function cloudEvent(deps: Deps, event: FerryEvent, id: string): CloudEvent {
  const subject = event.repositories[0];
  return {
    specversion: '1.0',
    id,
    source: 'urn:ferry',
    type: `dev.ferry.${event.kind}.${event.outcome}`,
    time: new Date(deps.now()).toISOString(),
    ...(subject ? { subject } : {}),
    datacontenttype: 'application/json',
    ...(deps.trace ? { traceparent: childTraceparent(deps.trace) } : {}),
    data: event.data,
  };
}
