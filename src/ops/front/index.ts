// The registry front's wing (`/v2/`): front names, and what it serves of their upstreams.

export { frontName, frontNameUpstreams, NAME_UNKNOWN, type FrontName } from './names.js';
export { auditPull } from './pulls.js';
export { registryQuotas } from './quotas.js';
export { writeBack } from './write-back.js';
export { frontBlob, frontBlobSize, frontManifest, frontReferrers, frontTags, LIST_EDGE_SECONDS } from './reads.js';
