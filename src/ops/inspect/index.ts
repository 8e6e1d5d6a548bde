// The inspect wing's front door: what the rest of Ferry may use of it.

export { diffImages, type ImageDiff } from './diff.js';
export {
  type ChildSummary,
  type HistoryEntry,
  inspectImage,
  type InspectResult,
  imageSizes,
  summarizeTags,
  type TagSummary,
} from './inspect.js';
export { listRepositories, listTags, readManifest } from './read.js';
export { nearTag } from './near.js';
export { tagPage, type TagOrder, type TagPage } from './tag-page.js';
