// Which sinks an event goes to: a sink's filters (kind, outcome, repository globs) take it, and a sink added
// through the API is told only what its author may see now (checked when published and before each attempt).

import type { EventSink } from '../../config/events.js';
import type { Deps } from '../../deps.js';
import { repositoryGlob } from '../../glob.js';
import { authorMayBeTold } from '../../policy.js';
import type { FerryEvent } from './cloud-event.js';

/** What decides whether a sink is told: known before its secrets are opened. */
export type SinkFilters = Pick<EventSink, 'kinds' | 'outcomes' | 'repositories' | 'author'>;

/** The repositories of `repositories` the sink's globs choose (all of them when it has none). */
function chosen(sink: SinkFilters, repositories: string[]): string[] {
  if (!sink.repositories) return repositories;
  const globs = sink.repositories.map((g) => repositoryGlob(g));
  return repositories.filter((r) => globs.some((glob) => glob.test(r)));
}

/** Whether the sink may be told of something about `repositories` (a configured sink: always). */
export function sinkMayBeTold(deps: Deps, sink: SinkFilters, repositories: string[]): boolean {
  if (!sink.author) return true;
  const picked = chosen(sink, repositories);
  return authorMayBeTold(deps.config.callers, sink.author, picked, repositories);
}

export function sinkTakes(deps: Deps, sink: SinkFilters, event: FerryEvent): boolean {
  if (sink.kinds && !sink.kinds.includes(event.kind)) return false;
  if (sink.outcomes && !sink.outcomes.includes(event.outcome)) return false;
  if (sink.repositories && !chosen(sink, event.repositories).length) return false;
  return sinkMayBeTold(deps, sink, event.repositories);
}
