// Fair job slots kept in the consistent store, for engines where every job is an instance of its own
// (Workflows: wrangler 4.86 has no per-workflow concurrency setting). A lane (a tenant, or a registry) is
// one entry in a group of its own: the jobs holding its slots, each until its lease ends, and the jobs
// waiting, which are told (JobQueue.notify) when a slot they are next for comes free. A free slot goes to
// the waiter whose tenant holds fewest slots of the lane, then to the one waiting longest: one tenant's
// hundred jobs queued for a registry never keep another tenant's first one behind them.

import type { Deps } from '../../deps.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson } from '../../state/store.js';
import { jobLanes, type JobLanes } from './fair-slots.js';
import { getJob, isFinished, updateJob } from './record.js';

/** The event a waiting job is sent when a slot it is next for came free. */
export const SLOT_FREE = 'slot-free';

// A holder's lease: a job step may run an hour and is tried four times (adapters/cloudflare/job-workflow.ts),
// so a run that is still going keeps its slots; one whose instance vanished frees them after this.
const LEASE_MS = 5 * 3600_000;
/**
 * How long a waiting job waits for its event before it asks again (an event lost, a lease lapsed): two steps
 * a round, so a day's wait takes 288 of an instance's steps.
 */
export const SLOT_WAIT_MS = 10 * 60_000;
// A waiter silent for longer than it waits (and a margin) stopped asking.
const WAITER_GONE_MS = SLOT_WAIT_MS + 5 * 60_000;
// Waiters one lane lists (~100 B each, far under a row's 2 MB); more ask again by their timeout alone.
const MAX_WAITERS = 2000;

interface Holder {
  tenant: string;
  until: number;
}

interface Waiter {
  tenant: string;
  since: number;
  seen: number;
}

interface Lane {
  holders: Record<string, Holder>;
  waiting: Record<string, Waiter>;
}

/** A lane's name: `tenant:<who>` or `registry:<host>`. */
export function laneNames(lanes: JobLanes): string[] {
  return [`tenant:${lanes.tenant}`, ...lanes.registries.map((r) => `registry:${r}`)].sort();
}

function limitOf(deps: Deps, lane: string): number {
  const { perTenant, perRegistry } = deps.config.jobConcurrency;
  return lane.startsWith('tenant:') ? perTenant : perRegistry;
}

/** Drops lapsed leases and waiters that stopped asking. */
function live(lane: Lane, now: number): Lane {
  const holders = Object.fromEntries(Object.entries(lane.holders).filter(([, h]) => h.until > now));
  const waiting = Object.fromEntries(Object.entries(lane.waiting).filter(([, w]) => now - w.seen < WAITER_GONE_MS));
  return { holders, waiting };
}

/** Waiting job ids, next first: fewest slots held by their tenant in this lane, then the longest wait. */
function fairOrder(lane: Lane, waiting: Record<string, Waiter>): string[] {
  const held = new Map<string, number>();
  for (const h of Object.values(lane.holders)) held.set(h.tenant, (held.get(h.tenant) ?? 0) + 1);
  return Object.entries(waiting)
    .sort(([, a], [, b]) => (held.get(a.tenant) ?? 0) - (held.get(b.tenant) ?? 0) || a.since - b.since)
    .map(([id]) => id);
}

const free = (deps: Deps, name: string, lane: Lane) => limitOf(deps, name) - Object.keys(lane.holders).length;

/**
 * Changes a lane by compare-and-set: `change` sees it live and returns it changed with an answer, or only
 * the answer (nothing to write).
 */
async function changeLane<T>(
  deps: Deps,
  name: string,
  change: (lane: Lane, now: number) => { answer: T; lane?: Lane },
): Promise<T> {
  const key = stateKeys.lane(name);
  for (;;) {
    const held = await getStateJson<Lane>(deps.state, key);
    const now = deps.now();
    const { answer, lane } = change(live(held?.value ?? { holders: {}, waiting: {} }, now), now);
    if (!lane) return answer;
    const value = JSON.stringify(lane);
    const options = { ttlSeconds: (LEASE_MS + WAITER_GONE_MS) / 1000 };
    if (
      held ? await deps.state.update(key, held.version, value, options) : await deps.state.create(key, value, options)
    )
      return answer;
  }
}

/** Takes a slot of one lane for `id`, or lists it as waiting there. */
function takeLane(deps: Deps, name: string, id: string, tenant: string): Promise<boolean> {
  return changeLane(deps, name, (lane, now) => {
    if (lane.holders[id]) return { answer: true, lane: renewed(lane, id, tenant, now) };
    const me: Waiter = { tenant, since: lane.waiting[id]?.since ?? now, seen: now };
    const order = fairOrder(lane, { ...lane.waiting, [id]: me });
    if (order.indexOf(id) < free(deps, name, lane)) {
      const { [id]: _me, ...waiting } = lane.waiting;
      return { answer: true, lane: { holders: { ...lane.holders, [id]: { tenant, until: now + LEASE_MS } }, waiting } };
    }
    if (!lane.waiting[id] && Object.keys(lane.waiting).length >= MAX_WAITERS) return { answer: false };
    return { answer: false, lane: { ...lane, waiting: { ...lane.waiting, [id]: me } } };
  });
}

const renewed = (lane: Lane, id: string, tenant: string, now: number): Lane => ({
  ...lane,
  holders: { ...lane.holders, [id]: { tenant, until: now + LEASE_MS } },
});

/** Gives back `id`'s slot of one lane (and its place in the queue); returns the waiters now next. */
function giveLane(deps: Deps, name: string, id: string): Promise<string[]> {
  return changeLane(deps, name, (lane) => {
    if (!lane.holders[id] && !lane.waiting[id]) return { answer: [] };
    const { [id]: _held, ...holders } = lane.holders;
    const { [id]: _waited, ...waiting } = lane.waiting;
    const left = { holders, waiting };
    return { answer: fairOrder(left, waiting).slice(0, Math.max(0, free(deps, name, left))), lane: left };
  });
}

async function tellWaiters(deps: Deps, ids: string[]): Promise<void> {
  for (const waiter of ids)
    await Promise.resolve(deps.jobs?.notify?.(waiter, SLOT_FREE)).catch((error: unknown) =>
      deps.log.warn('job: could not tell a waiting job a slot is free', {
        id: waiter,
        reason: error instanceof Error ? error.message : 'unknown',
      }),
    );
}

/** What taking a job's slots came to: all taken, or the lane it waits at (told by an event when free). */
export type SlotsTaken = { taken: true } | { taken: false; waitingAt: string };

/**
 * Takes a slot in each of the job's lanes, in one order for every job (so two jobs never hold each one
 * lane the other waits for). A lane with none free lists the job as waiting, and the slots taken so far
 * are given back. `leave`: the lane it waited at before, left when it now waits elsewhere or runs.
 */
export async function takeJobSlots(deps: Deps, id: string, lanes: JobLanes, leave?: string): Promise<SlotsTaken> {
  const taken: string[] = [];
  let answer: SlotsTaken = { taken: true };
  for (const name of laneNames(lanes)) {
    if (await takeLane(deps, name, id, lanes.tenant)) taken.push(name);
    else {
      answer = { taken: false, waitingAt: name };
      break;
    }
  }
  if (leave && !taken.includes(leave) && (answer.taken || answer.waitingAt !== leave))
    await tellWaiters(deps, await giveLane(deps, leave, id));
  if (!answer.taken) for (const name of taken) await tellWaiters(deps, await giveLane(deps, name, id));
  return answer;
}

/** Gives back the job's slots (and any place it kept in a queue), telling the waiters next for them. */
export async function giveJobSlots(deps: Deps, id: string, lanes: JobLanes): Promise<void> {
  for (const name of laneNames(lanes)) await tellWaiters(deps, await giveLane(deps, name, id));
}

/**
 * One round of a job's wait for its slots: taken, or the lane it waits at, noted in its record (also a sign
 * of life: the sweep leaves a waiting job alone). 'ended': the job ended meanwhile (it was cancelled).
 */
export async function takeSlotsOnce(deps: Deps, id: string, waitingAt?: string): Promise<SlotsTaken | 'ended'> {
  const job = await getJob(deps, id);
  if (!job || isFinished(job)) {
    if (job) await giveJobSlots(deps, id, jobLanes(job));
    return 'ended';
  }
  const answer = await takeJobSlots(deps, id, jobLanes(job), waitingAt);
  if (answer.taken && !job.waiting) return answer;
  const since = job.waiting?.since ?? new Date(deps.now()).toISOString();
  await updateJob(deps, id, (held) => {
    if (isFinished(held)) return null;
    const { waiting: _was, ...rest } = held;
    return answer.taken ? rest : { ...rest, waiting: { lane: answer.waitingAt, since } };
  });
  return answer;
}
