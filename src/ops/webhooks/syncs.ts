// Push events start sync runs too: a pushed tag that a set would select, in one of its source repositories,
// syncs that repository alone. A run already under way for the set takes it in its stride (it is skipped).

import type { SyncSource } from '../../config/syncs.js';
import type { Deps } from '../../deps.js';
import { isAppError } from '../../errors.js';
import {
  filtersOf,
  listSyncSets,
  requireAuthorStillAdmin,
  selectSyncTags,
  setOwner,
  startSyncRun,
} from '../sync/index.js';

/** Starts a run of each set for each of `pushed` ("registry/repository" → tags) it reads; answers the run ids. */
export async function startSyncsForPushes(deps: Deps, pushed: Map<string, string[]>): Promise<string[]> {
  if (!pushed.size) return [];
  const runs: string[] = [];
  for (const set of await listSyncSets(deps)) {
    // The set's filters alone: whether this tag is among the newest, or new enough, is for the run to decide.
    const filters = filtersOf(set.tags);
    for (const source of set.sources)
      for (const repository of readBy(source, pushed)) {
        const tags = pushed.get(`${source.registry}/${repository}`);
        if (!tags || !selectSyncTags(tags, filters).length) continue;
        try {
          requireAuthorStillAdmin(deps, set);
          const options = { trigger: 'webhook' as const, only: `${source.registry}/${repository}` };
          runs.push((await startSyncRun(deps, set, setOwner(set), options)).run.id);
        } catch (error) {
          if (!isAppError(error)) throw error;
          deps.log.info('sync: a push event started no run', { set: set.name, code: error.code });
        }
      }
  }
  return runs;
}

/** The pushed repositories a source reads: those it names, or those under its catalog prefix. */
function readBy(source: SyncSource, pushed: Map<string, string[]>): string[] {
  if (source.prefix === undefined) return source.repositories;
  const at = `${source.registry}/${source.prefix}`;
  return [...pushed.keys()].filter((r) => r.startsWith(at)).map((r) => r.slice(source.registry.length + 1));
}
