// The webhooks wing's front door: what the rest of Ferry may use of it.

export {
  acrEvents,
  distributionEvents,
  dockerHubEvents,
  githubEvents,
  harborEvents,
  pubsubEvents,
  type PushEvent,
  quayEvents,
  startPromotions,
} from './receive.js';
