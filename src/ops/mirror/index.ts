// The mirror wing's front door: one repository mirrored by a sync set (its tag selection, its plan against
// the target, the tags the set wrote, the prunes). Sync runs' jobs and dry runs use it.

export {
  mirrorSettings,
  planRepository,
  splitRepository,
  type MirrorSettings,
  type RepositoryPlan,
  type SyncAction,
  type SyncStep,
} from './plan.js';
export { applyPrunes, type MirrorError } from './prune.js';
export { changeWritten, readWritten, type WrittenTag, type WrittenTags } from './written.js';
export { filtersOf, isReferrersTag, readsCreated, selectSyncTags } from './select.js';
