// The promote wing's front door: what the rest of Ferry may use of it.

export {
  executePromotion,
  planPromotion,
  preparePromotion,
  type PreparedPromotion,
  type PromotionOutcome,
  type PromotionPlan,
  refuseConflicts,
  renderRepository,
  tagAllowed,
} from './promote.js';
export {
  deleteRule,
  findRule,
  listRules,
  lookupRule,
  parseRuleBody,
  putRule,
  ruleForCaller,
  ruleOwner,
  type StoredRule,
} from './rules.js';
export { parseSemver, satisfies } from '../../semver.js';
export { imageReferrers } from './image-referrers.js';
export { type BackupOutcome } from './backups.js';
