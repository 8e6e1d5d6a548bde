// The sync wing's front door: sync sets, their plans and their runs.

export {
  deleteSyncSet,
  findSyncSet,
  listSyncSets,
  parseSyncSetBody,
  putSyncSet,
  type StoredSyncSet,
  syncSetView,
} from './sets.js';
export { type RepositoryPlan, type SyncAction, type SyncPlan, type SyncStep } from './plan.js';
export {
  dryRunSync,
  listSyncRuns,
  requireAuthorStillAdmin,
  setOwner,
  startSyncRun,
  type SyncRun,
  type SyncTrigger,
} from './run.js';
export { filtersOf, isReferrersTag, readsCreated, selectSyncTags } from './select.js';
export { dispatchScheduledSyncs } from './schedule.js';
