// The jobs wing's front door: what the rest of Ferry may use of it.

export { blobStepName, compactPlan, type CompactPlan, expandPlan } from './blob-plan.js';
export { cancelJob } from './cancel.js';
export { FairSlots, jobLanes, type JobLanes } from './fair-slots.js';
export { type ActiveBlob, type JobProgress, ProgressTracker } from './progress.js';
export {
  type BatchedCopyResult,
  failJob,
  getJob,
  isFinished,
  type JobOwner,
  type JobReader,
  type JobRecord,
  type JobSummary,
  jobRepositories,
  listJobs,
  unfinishedJobs,
  updateJob,
} from './record.js';
export { MAX_JOB_WAKES, reviveIfStale, reviveStaleJobs } from './revive.js';
export { holdJob, runJob } from './run.js';
export {
  createCopyJob,
  createCopyJobOnce,
  createPromotionJobOnce,
  handOverCopy,
  recordCopyOutcome,
  startMirrorJob,
} from './start.js';
export { type DurableSteps, type JobPlan, planJob, planJobBlobs, runJobInSteps, transferJobBlob } from './steps.js';
