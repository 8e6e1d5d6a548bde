// Inbound registry events: which promotions they start. An event is a hint: the registry comes from the
// receiver's configuration, the tag is re-resolved when the job runs, and a redelivered event runs once.

import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { repositoryGlob } from '../glob.js';
import { recordKeys } from '../kv/records.js';
import { isValidTag, validateDigest } from '../registry/reference.js';
import type { WebhookReceiver } from '../webhooks.js';
import { createPromotionJob } from './jobs.js';
import { tagAllowed } from './promote.js';

const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
// Event ids are remembered this long for deduplication (distribution retries for minutes, GitHub for hours).
const EVENT_TTL_SECONDS = 7 * 24 * 3600;

interface DistributionEvent {
  id?: unknown;
  action?: unknown;
  target?: { mediaType?: unknown; digest?: unknown; repository?: unknown; tag?: unknown };
}

export interface WebhookOutcome {
  events: number;
  jobs: string[];
  duplicates: number;
}

/** CNCF distribution notification envelope (events.v1/v2+json): each tagged manifest push may start promotions. */
export async function acceptDistributionEvents(deps: Deps, receiver: WebhookReceiver, body: unknown): Promise<WebhookOutcome> {
  const events = (body as { events?: unknown })?.events;
  if (!Array.isArray(events)) throw new AppError('INVALID_REQUEST', 'not a distribution notification envelope (no "events" array)');
  const outcome: WebhookOutcome = { events: events.length, jobs: [], duplicates: 0 };
  if (!deps.jobs) throw new AppError('NOT_SUPPORTED', 'this runtime has no job runner for promotions');
  for (const raw of events as DistributionEvent[]) {
    const t = raw.target;
    if (raw.action !== 'push' || !t || typeof t.tag !== 'string' || typeof t.repository !== 'string' || typeof t.digest !== 'string' || typeof raw.id !== 'string') continue;
    if (!MANIFEST_TYPES.has(String(t.mediaType)) || !isValidTag(t.tag)) continue;
    const digest = validateDigest(t.digest);
    const repository = `${receiver.registry}/${t.repository}`;
    for (const rule of deps.config.rules) {
      if (!repositoryGlob(rule.source.repository).test(repository) || !tagAllowed(rule, t.tag)) continue;
      const key = recordKeys.event(receiver.id, raw.id, rule.name);
      if (await deps.kv.get(key)) {
        outcome.duplicates++;
        continue;
      }
      // The job id comes from the event and rule, so a redelivery racing this one finds the same job.
      const id = await jobId(key);
      await deps.kv.put(key, id, { ttlSeconds: EVENT_TTL_SECONDS });
      await createPromotionJob(deps, { source: `${repository}:${t.tag}@${digest}`, rule: rule.name }, `webhook:${receiver.id}`, id);
      deps.jobs.enqueue(id);
      outcome.jobs.push(id);
    }
  }
  return outcome;
}

async function jobId(key: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return Array.from(hash.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}
