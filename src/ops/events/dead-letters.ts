// The dead letters: events a sink never took, newest first, a page at a time per sink (its own group), each
// shown only to admins of every repository it is about. The API and the console read them through here.

import type { Caller } from '../../config/callers.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { isAdminOver, requireAnyGrant } from '../../policy.js';
import { stateKeys } from '../../state/records.js';
import type { PendingEvent } from './deliver.js';
import { findEventSink } from './sinks.js';

export interface DeadLetterPage {
  deadLetters: PendingEvent[];
  /** Where the next (older) page starts. */
  cursor?: string;
}

/** A page of `sink`'s dead letters that `caller` administers (an admin somewhere, or FORBIDDEN). */
export async function listDeadLetters(
  deps: Deps,
  caller: Caller,
  sink: string,
  options: { limit: number; cursor?: string },
): Promise<DeadLetterPage> {
  requireAnyGrant(deps.config.callers, caller, 'admin');
  if (!(await findEventSink(deps, sink))) throw new AppError('NOT_FOUND', `no event sink "${sink}"`);
  const page = await deps.state.list(stateKeys.eventsDead(sink), {
    limit: options.limit,
    ...(options.cursor ? { cursor: options.cursor } : {}),
  });
  const letters = page.entries.map((e) => JSON.parse(e.value) as PendingEvent);
  return {
    deadLetters: letters.filter((letter) => isAdminOver(deps.config.callers, caller, letter.repositories ?? [])),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}
