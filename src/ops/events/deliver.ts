// Delivering an event to a sink, durably: the event waits in the state store until the receiver takes it
// (2xx). A failed attempt is tried again after a pause that doubles (with jitter, up to an hour); after the
// configured attempts it becomes a dead letter, listed by GET /v1/events/dead. Short pauses are slept through
// where the event was published; the scheduled sweep (every minute) takes the rest and whatever a restart
// left. Each attempt claims the entry first (compare-and-set), so two runners never send one attempt twice.
// Order between events is not kept. Signed anew at each attempt: receivers refuse stale timestamps.

import type { Deps } from '../../deps.js';
import type { EventSink } from '../../config/events.js';
import { classifyAddress, classifyHostname } from '../../registry/egress.js';
import { getStateJson } from '../../state/store.js';
import { stateKeys } from '../../state/records.js';
import { CLOUDEVENTS_CONTENT_TYPE, type CloudEvent } from './cloud-event.js';
import { signatureHeaders } from './signature.js';
import { sinkMayBeTold } from './filter.js';
import { eventSinks } from './sinks.js';
import { slackMessage } from './slack.js';

export interface PendingEvent {
  sink: string;
  event: CloudEvent;
  /** What it is about ("registry/repository"): who may read it as a dead letter. */
  repositories: string[];
  attempts: number;
  /** When the next attempt is due (ms). */
  nextAt: number;
  /** A runner holds it until then (ms): others leave it alone. */
  claimedUntil?: number;
  /** What the last attempt got: a status, or why none came. */
  last?: string;
}

const MAX_PAUSE_MS = 60 * 60 * 1000;
/** Pauses up to this long are slept where the event was published; longer ones wait for the sweep. */
const SLEEP_HERE_MS = 60 * 1000;
const CLAIM_MS = 30 * 1000;
const ATTEMPT_TIMEOUT_MS = 10 * 1000;
const DEAD_LETTER_TTL_SECONDS = 30 * 24 * 3600;

function pause(deps: Deps, attempts: number): number {
  const base = Math.min(deps.config.events.retryFirstMs * 2 ** (attempts - 1), MAX_PAUSE_MS);
  return Math.round(base * (0.8 + Math.random() * 0.4)); // jitter: receivers coming back are not hit at once
}

/** Whether the sink's host is a public one now (checked at configuration, and again at each delivery). */
async function reachable(deps: Deps, sink: EventSink): Promise<string | undefined> {
  if (sink.allowPrivateAddresses) return undefined;
  const hostname = new URL(sink.url).hostname;
  if (classifyHostname(hostname) !== 'public') return `${hostname} is not a public address`;
  const addresses = deps.resolveHost ? await deps.resolveHost(hostname).catch(() => []) : [];
  const inner = addresses.find((a) => classifyAddress(a) !== 'public');
  return inner ? `${hostname} resolves to ${inner}, which is not public` : undefined;
}

/** One attempt: the answer's status, or why none came. */
async function attempt(deps: Deps, sink: EventSink, event: CloudEvent): Promise<{ ok: boolean; last: string }> {
  const refused = await reachable(deps, sink);
  if (refused) return { ok: false, last: refused };
  const body = JSON.stringify(sink.format === 'slack' ? slackMessage(deps, event) : event);
  const signed = sink.keys.length
    ? await signatureHeaders(sink.keys, event.id, Math.floor(Date.now() / 1000), body)
    : {};
  try {
    const response = await deps.fetch(sink.url, {
      method: 'POST',
      headers: {
        'content-type': sink.format === 'slack' ? 'application/json' : CLOUDEVENTS_CONTENT_TYPE,
        ...signed,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await response.body?.cancel().catch(() => undefined);
    return { ok: response.status >= 200 && response.status < 300, last: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, last: error instanceof Error ? error.message : 'no answer' };
  }
}

/** Delivers the pending event at `key`, retrying while the pauses are short; returns when it is done or left. */
export async function deliver(deps: Deps, sink: EventSink, key: string): Promise<void> {
  for (;;) {
    const held = await getStateJson<PendingEvent>(deps.state, key);
    if (!held) return;
    const now = deps.now();
    if (held.value.nextAt > now + SLEEP_HERE_MS || (held.value.claimedUntil ?? 0) > now) return;
    if (held.value.nextAt > now) await deps.sleep(held.value.nextAt - now);
    const claimed = { ...held.value, claimedUntil: deps.now() + CLAIM_MS };
    if (!(await deps.state.update(key, held.version, JSON.stringify(claimed)))) return; // another runner has it
    // A sink added through the API whose author may no longer see it is not told (nor tried again).
    const outcome = sinkMayBeTold(deps, sink, held.value.repositories)
      ? await attempt(deps, sink, held.value.event)
      : { ok: false, last: "its author's grants no longer cover it", final: true };
    const current = await getStateJson<PendingEvent>(deps.state, key);
    if (!current) return;
    const count = (result: 'delivered' | 'retried' | 'dead') =>
      deps.metrics?.count('eventDeliveries', { sink: sink.name, outcome: result });
    if (outcome.ok) {
      count('delivered');
      await deps.state.delete(key);
      return;
    }
    const attempts = 'final' in outcome ? deps.config.events.attempts : held.value.attempts + 1;
    count(attempts >= deps.config.events.attempts ? 'dead' : 'retried');
    if (attempts >= deps.config.events.attempts) {
      const dead = { ...held.value, attempts, last: outcome.last, claimedUntil: undefined };
      await deps.state.create(stateKeys.eventDead(sink.name, deps.now(), held.value.event.id), JSON.stringify(dead), {
        ttlSeconds: DEAD_LETTER_TTL_SECONDS,
      });
      await deps.state.delete(key);
      deps.log.warn('event: dead letter', { sink: sink.name, event: held.value.event.id, last: outcome.last });
      return;
    }
    const next = { ...held.value, attempts, last: outcome.last, nextAt: deps.now() + pause(deps, attempts) };
    delete next.claimedUntil;
    if (!(await deps.state.update(key, current.version, JSON.stringify(next)))) return;
  }
}

/** The sweep: every sink's due events, a page each (the cron and the processes' tick call it). */
export async function retryDueEvents(deps: Deps): Promise<number> {
  let started = 0;
  for (const sink of await eventSinks(deps)) {
    const page = await deps.state.list(stateKeys.eventsPending(sink.name), { limit: 100 });
    for (const entry of page.entries) {
      const pending = JSON.parse(entry.value) as PendingEvent;
      if (pending.nextAt > deps.now() || (pending.claimedUntil ?? 0) > deps.now()) continue;
      started++;
      deps.defer(deliver(deps, sink, entry.key).catch(() => undefined));
    }
  }
  return started;
}
