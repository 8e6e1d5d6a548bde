// Publishing an event: each sink that takes it (filter.ts) gets it as a pending
// delivery in the state store, then a first attempt in the background (deliver.ts retries the rest).

import type { Deps } from '../../deps.js';
import type { EventSink } from '../../config/events.js';
import { stateKeys } from '../../state/records.js';
import { cloudEvent, type FerryEvent } from './cloud-event.js';
import { deliver, type PendingEvent } from './deliver.js';
import { sinkTakes } from './filter.js';
import { eventSinks } from './sinks.js';

// A pending delivery outlives its attempts (about nine hours by default) with room to spare.
const PENDING_TTL_SECONDS = 3 * 24 * 3600;

/** Hands `event` to every sink that takes it; never fails what happened (a sink's trouble is logged). */
export async function publishEvent(deps: Deps, event: FerryEvent): Promise<void> {
  let sinks: EventSink[];
  try {
    sinks = await eventSinks(deps, (sink) => sinkTakes(deps, sink, event));
  } catch (error) {
    deps.log.error('event: the sinks could not be read', { error: error instanceof Error ? error.message : 'unknown' });
    return;
  }
  if (!sinks.length) return;
  const id = crypto.randomUUID();
  const pending: PendingEvent = {
    sink: '',
    event: cloudEvent(deps, event, id),
    repositories: event.repositories,
    attempts: 0,
    nextAt: deps.now(),
  };
  for (const sink of sinks) {
    const key = stateKeys.eventPending(sink.name, id);
    try {
      await deps.state.create(key, JSON.stringify({ ...pending, sink: sink.name }), {
        ttlSeconds: PENDING_TTL_SECONDS,
      });
      deps.defer(deliver(deps, sink, key).catch((error: unknown) => logFailure(deps, sink, error)));
    } catch (error) {
      logFailure(deps, sink, error);
    }
  }
}

function logFailure(deps: Deps, sink: EventSink, error: unknown): void {
  deps.log.error('event: not handed to its sink', {
    sink: sink.name,
    error: error instanceof Error ? error.message : 'unknown',
  });
}
