// Every sender format by its name in a receiver's configuration.

import type { WebhookReceiver } from '../../../config/webhooks.js';
import type { SenderFormat } from '../sender.js';
import { acr } from './acr.js';
import { distribution } from './distribution.js';
import { dockerhub } from './dockerhub.js';
import { github } from './github.js';
import { harbor } from './harbor.js';
import { pubsub } from './pubsub.js';
import { quay } from './quay.js';

export const SENDERS: Record<WebhookReceiver['format'], SenderFormat> = {
  distribution,
  github,
  pubsub,
  harbor,
  acr,
  dockerhub,
  quay,
};
