// The copy wing's front door: what the rest of Ferry may use of it.

export { BlobMemory } from './blob-memory.js';
export { transferBlob, transferBlobPart, type UploadPoint } from './blobs.js';
export { OverBudget, type PlanCost, SyncAccount } from './budget.js';
export { copyByDigest, copyImage } from './copy.js';
export { selectTags } from './repository.js';
export {
  copiesManyTags,
  type CopyOptions,
  type CopyRequest,
  copySubjects,
  type ManyCopyResult,
  type TagGuard,
} from './request.js';
export { type CopyEvent, type CopyReporter, type CopyResult, silentReporter } from './events.js';
export { checkIndexBounds } from './index-bounds.js';
export { planCopy } from './plan.js';
export { runPool } from './pool.js';
export { abandonUploads, recordUploadSession, uploadSessionKey } from './upload-sessions.js';
