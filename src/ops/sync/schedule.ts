// Sets run by their own schedules, all dispatched from one clock: Workers' minute trigger (sets written
// through the API cannot add triggers of their own), or the local runtimes' timer (FERRY_CRON_SECONDS). Each
// set remembers the last time of its schedule it was started for: a tick starts it when a newer time has
// come, and of two dispatchers at once (two processes, a late trigger) only one wins that time. The same
// tick settles the runs whose jobs ended, so their events go out without anyone reading the runs.

import type { Deps } from '../../deps.js';
import { isAppError } from '../../errors.js';
import { nextCronTime } from '../../cron.js';
import type { SyncSet } from '../../config/syncs.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson } from '../../state/store.js';
import { withManagedRegistries } from '../registries/index.js';
import { requireAuthorStillAdmin, setOwner, settleSyncRun, startSyncRun } from './run.js';
import { listSyncSets } from './sets.js';

interface Scheduled {
  /** The schedule's time (epoch ms) the set was last started for, or when the clock first saw it. */
  at: number;
  schedule: string;
}

/**
 * Settles each set's run whose jobs ended (its sinks hear of it within the minute), then starts every set whose
 * schedule has come since its last start; answers how many started.
 */
export async function dispatchScheduledSyncs(given: Deps, now = given.now()): Promise<number> {
  const deps = await withManagedRegistries(given);
  let started = 0;
  for (const set of await listSyncSets(deps)) {
    await settleSyncRun(deps, set.name).catch((error: unknown) =>
      deps.log.error('sync: a run did not settle', {
        set: set.name,
        reason: error instanceof Error ? error.message : 'unknown',
      }),
    );
    if (!set.schedule) continue;
    try {
      if (await claimScheduledTime(deps, set, set.schedule, now)) {
        requireAuthorStillAdmin(deps, set);
        await startSyncRun(deps, set, setOwner(set), { trigger: 'schedule' });
        started++;
      }
    } catch (error) {
      const under = isAppError(error) && error.code === 'CONFLICT';
      deps.log[under ? 'info' : 'error'](under ? 'sync: a run is still under way' : 'sync: a scheduled run failed', {
        set: set.name,
        reason: error instanceof Error ? error.message : 'unknown',
      });
    }
  }
  return started;
}

/** Whether this dispatcher starts `set` now: its schedule named a time since the last one claimed. */
async function claimScheduledTime(deps: Deps, set: SyncSet, schedule: string, now: number): Promise<boolean> {
  const key = stateKeys.syncScheduled(set.name);
  const held = await getStateJson<Scheduled>(deps.state, key);
  // A set the clock sees for the first time (or whose schedule changed) starts at its next time, not at once.
  if (!held || held.value.schedule !== schedule) {
    const value = JSON.stringify({ at: now, schedule } satisfies Scheduled);
    if (held) await deps.state.update(key, held.version, value);
    else await deps.state.create(key, value);
    return false;
  }
  const due = nextCronTime(schedule, held.value.at);
  if (due === undefined || due > now) return false;
  // Times missed while no clock ran are not made up one by one: one run now covers them.
  return deps.state.update(key, held.version, JSON.stringify({ at: now, schedule } satisfies Scheduled));
}
