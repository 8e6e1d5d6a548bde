// The copy wing's front door: what the rest of Ferry may use of it.

export { blobEnds, BlobMemory } from './blob-memory.js';
export { prepareCopy } from './prepare.js';
export { spansSteps, transferBlob, transferBlobPart, type UploadPoint } from './blobs.js';
export { OverBudget, type PlanCost, SyncAccount } from './budget.js';
export { copyImage, copyRepository } from './copy.js';
export { copyReferrers } from './referrers.js';
export { type CopyDryRun, dryRunCopy } from './dry-run.js';
export { selectTags } from './repository.js';
export {
  type CopyOptions,
  type CopyRequest,
  type CopySpec,
  copySubjects,
  type ImageCopySpec,
  imageCopySpec,
  type FailedTag,
  type ManyCopyResult,
  parseCopySpec,
  type ReferrerSelection,
  type RepositoryCopySpec,
  type TagGuard,
} from './request.js';
export { type CopyEvent, type CopyReporter, type CopyResult, silentReporter } from './events.js';
export { checkIndexBounds } from './index-bounds.js';
export { planCopy } from './plan.js';
export { abandonUploads, UploadRecorder, uploadSessionKey } from './upload-sessions.js';
