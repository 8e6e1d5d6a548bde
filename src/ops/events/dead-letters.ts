// The dead letters: events a sink never took, newest first, a page at a time per sink (its own group).

import type { Deps } from '../../deps.js';
import { stateKeys } from '../../state/records.js';
import type { PendingEvent } from './deliver.js';

export async function listDeadLetters(
  deps: Deps,
  sink: string,
  options: { limit: number; cursor?: string },
): Promise<{ deadLetters: (PendingEvent & { key: string })[]; cursor?: string }> {
  const page = await deps.state.list(stateKeys.eventsDead(sink), {
    limit: options.limit,
    ...(options.cursor ? { cursor: options.cursor } : {}),
  });
  return {
    deadLetters: page.entries.map((e) => ({ key: e.key, ...(JSON.parse(e.value) as PendingEvent) })),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}
