// The webhooks wing's front door: what the rest of Ferry may use of it.

export { receiveWebhook, type WebhookOutcome } from './receive.js';
