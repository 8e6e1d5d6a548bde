// The dead letters: events a sink never took, newest first, a page at a time per sink (its own group).

import type { Deps } from '../../deps.js';
import { stateKeys } from '../../state/records.js';
import type { PendingEvent } from './deliver.js';

/** A page of `sink`'s dead letters, those `visible` says the caller may see (an admin of what they are about). */
export async function listDeadLetters(
  deps: Deps,
  sink: string,
  options: { limit: number; cursor?: string },
  visible: (repositories: string[]) => boolean,
): Promise<{ deadLetters: PendingEvent[]; cursor?: string }> {
  const page = await deps.state.list(stateKeys.eventsDead(sink), {
    limit: options.limit,
    ...(options.cursor ? { cursor: options.cursor } : {}),
  });
  const letters = page.entries.map((e) => JSON.parse(e.value) as PendingEvent);
  return {
    deadLetters: letters.filter((letter) => visible(letter.repositories ?? [])),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}
