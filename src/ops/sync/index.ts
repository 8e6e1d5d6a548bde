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
export { type SyncPlan } from './plan.js';
export {
  filtersOf,
  isReferrersTag,
  readsCreated,
  selectSyncTags,
  type RepositoryPlan,
  type SyncAction,
  type SyncStep,
} from '../mirror/index.js';
export {
  dryRunSync,
  listSyncRuns,
  requireAuthorStillAdmin,
  setOwner,
  startSyncRun,
  type SyncRun,
  type SyncTrigger,
} from './run.js';
export { dispatchScheduledSyncs } from './schedule.js';
