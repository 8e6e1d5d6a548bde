// Inbound registry events: which promotions and sync runs they start. An event is a hint: the registry comes from the
// receiver's configuration, the tag is re-resolved when the job runs, and a redelivered event runs once.

import type { Deps } from '../../deps.js';
import { toHex } from '../../encoding.js';
import { AppError } from '../../errors.js';
import { repositoryGlob } from '../../glob.js';
import { isValidDigest, isValidTag, parseRepositoryName } from '../../reference.js';
import type { WebhookReceiver } from '../../config/webhooks.js';
import { createPromotionJobOnce, type JobRecord } from '../jobs/index.js';
import { tagAllowed, listRules } from '../promote/index.js';
import { staleRuleProblem } from '../../config/rules.js';
import type { Header, PushEvent } from './sender.js';
import { SENDERS } from './senders/index.js';
import { startSyncsForPushes } from './syncs.js';

export interface WebhookOutcome {
  events: number;
  jobs: string[];
  duplicates: number;
  /** Sync runs the events started (a pushed tag a set selects, in one of its source repositories). */
  syncs: string[];
}

/**
 * A delivery to a receiver, start to end: the sender's proof in its headers is checked before the body is
 * read, a proof over the body once it is; then the body's events start their promotions.
 */
export async function receiveWebhook(
  deps: Deps,
  receiver: WebhookReceiver,
  header: Header,
  readBody: () => Promise<Uint8Array>,
): Promise<WebhookOutcome> {
  const count = (outcome: 'accepted' | 'duplicate' | 'refused') =>
    deps.metrics?.count('webhookDeliveries', { receiver: receiver.id, outcome });
  try {
    const outcome = await receive(deps, receiver, header, readBody);
    count(outcome.duplicates && !outcome.jobs.length && !outcome.syncs.length ? 'duplicate' : 'accepted');
    return outcome;
  } catch (error) {
    count('refused');
    throw error;
  }
}

async function receive(
  deps: Deps,
  receiver: WebhookReceiver,
  header: Header,
  readBody: () => Promise<Uint8Array>,
): Promise<WebhookOutcome> {
  const sender = SENDERS[receiver.format];
  await sender.verifyHeaders?.(deps, receiver, header);
  const raw = await readBody();
  await sender.verifyBody?.(receiver, header, raw);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new AppError('UNKNOWN_EVENT_FORMAT', `the body is not JSON (receiver format: ${receiver.format})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AppError('UNKNOWN_EVENT_FORMAT', `the body is not a JSON object (receiver format: ${receiver.format})`);
  return startPromotions(deps, receiver, await sender.parse(body as Record<string, unknown>, raw));
}

/**
 * Starts a promotion job per (event, matching rule), each pinned to the pushed digest (a repeated event runs
 * once), and a sync run per set and pushed repository it reads.
 */
export async function startPromotions(
  deps: Deps,
  receiver: WebhookReceiver,
  events: PushEvent[],
): Promise<WebhookOutcome> {
  const outcome: WebhookOutcome = { events: events.length, jobs: [], duplicates: 0, syncs: [] };
  const pushed = new Map<string, string[]>();
  if (!deps.jobs) throw new AppError('NOT_SUPPORTED', 'this runtime has no job runner for promotions');
  const rules = await listRules(deps);
  for (const event of events) {
    if (!isValidTag(event.tag) || (event.digest !== undefined && !isValidDigest(event.digest))) continue;
    const pinned = event.digest === undefined ? '' : `@${event.digest}`;
    // The receiver's registry, normalised as references are (docker.io is registry-1.docker.io, with library/).
    let name;
    try {
      name = parseRepositoryName(`${receiver.registry}/${event.repository}`);
    } catch {
      continue; // "staging/../team-b/secret" names no repository
    }
    const repository = `${name.registry}/${name.repository}`;
    pushed.set(repository, [...(pushed.get(repository) ?? []), event.tag]);
    for (const rule of rules) {
      // A rule stored under an older schema still gets its job, which fails RULE_INVALID where operators look.
      if (
        !repositoryGlob(rule.source.repository).test(repository) ||
        (!staleRuleProblem(rule) && !tagAllowed(rule, event.tag))
      )
        continue;
      // The job id comes from the receiver, event and rule, and the state store creates a job id once: a
      // redelivery (here or anywhere else, at once or days later while the job is kept) finds the same job
      // and leaves it as it is. An API rule's owner is part of its name (configured rules keep their ids).
      const ruleOwner = rule.author ? `\u0000${rule.author.id}` : '';
      const base = await jobId(`${receiver.id}\u0000${event.id}\u0000${rule.name}${ruleOwner}`);
      const owner = { id: `webhook:${receiver.id}`, readScope: [rule.source.repository] };
      // The sender's event id, as it named it: kept short, it goes into job records and log lines.
      const trigger = { receiver: receiver.id, delivery: event.id.slice(0, 200) };
      const job = await createOrRetry(deps, base, (id) =>
        createPromotionJobOnce(deps, { source: `${repository}:${event.tag}${pinned}`, rule, trigger }, owner, id),
      );
      if (!job) {
        outcome.duplicates++;
        continue;
      }
      await deps.jobs.enqueue(job);
      outcome.jobs.push(job);
    }
  }
  outcome.syncs = await startSyncsForPushes(deps, pushed);
  return outcome;
}

// A redelivered event whose job failed may run again, this many times.
const MAX_EVENT_RETRIES = 5;

/**
 * Creates the event's job under `base`; when that id's job failed, under `base_r<n>` (a Workflow instance id
 * is never reused). Returns the new job's id, or undefined when the event is a duplicate.
 */
async function createOrRetry(
  deps: Deps,
  base: string,
  create: (id: string) => Promise<{ job: JobRecord; created: boolean }>,
): Promise<string | undefined> {
  for (let attempt = 0; attempt <= MAX_EVENT_RETRIES; attempt++) {
    const id = attempt === 0 ? base : eventRetryId(base, attempt);
    const { job, created } = await create(id);
    if (created) return id;
    if (job.state !== 'failed') return undefined;
  }
  return undefined;
}

/** The job id of an event's `attempt`th retry: a Workflow instance id too (see batchId). */
export const eventRetryId = (base: string, attempt: number) => `${base}_r${attempt}`;

async function jobId(key: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return toHex(hash.subarray(0, 16));
}
