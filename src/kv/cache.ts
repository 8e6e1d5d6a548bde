// KV as a cache: a read that fails is a miss, a write is deferred past the response and may be lost, and
// neither ever fails a request. Failures are logged once per Deps (one request, or one job run) and kind.

import type { KvStore } from './store.js';

// Workers KV takes one write per second per key; a second one within that gets 429.
const SAME_KEY_WRITE_MS = 1000;
// Recent writes remembered to keep that rule in this isolate; older ones are dropped past this count.
const RECENT_WRITES_KEPT = 1000;

/** What the cache needs of the runtime: the store, work kept alive past the response, a log and a clock. */
export interface CacheDeps {
  kv: KvStore;
  defer(work: Promise<unknown>): void;
  log: { warn(message: string, fields?: Record<string, string | number | boolean | undefined>): void };
  now(): number;
}

const logged = new WeakMap<object, Set<string>>();
// Per KV store, plain data only (key -> time of the last write): nothing of a request is kept across requests.
const recentWritesByStore = new WeakMap<object, Map<string, number>>();

function noteFailure(deps: CacheDeps, kind: 'read' | 'write', what: string, error: unknown): void {
  const seen = logged.get(deps) ?? new Set<string>();
  logged.set(deps, seen);
  const failure = `${kind}:${what}`;
  if (seen.has(failure)) return;
  seen.add(failure);
  deps.log.warn(`cache ${kind} failed: going on without it`, {
    what,
    error: error instanceof Error ? error.message.slice(0, 200) : 'unknown',
  });
}

/** A cached value, or null when it is missing or the cache could not be read. */
export async function cacheRead<T>(deps: CacheDeps, what: string, read: () => Promise<T | null>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    noteFailure(deps, 'read', what, error);
    return null;
  }
}

/**
 * Writes `key` after the response (deps.defer), catching any failure. A key this isolate wrote less than a
 * second ago is left alone: the value it holds is at most that old.
 */
export function cacheWrite(deps: CacheDeps, what: string, key: string, write: () => Promise<void>): void {
  const now = deps.now();
  if (!mayWrite(deps, key, now)) return;
  let started: Promise<void>;
  try {
    started = write();
  } catch (error) {
    started = Promise.reject(error);
  }
  deps.defer(started.catch((error: unknown) => noteFailure(deps, 'write', what, error)));
}

/** Drops `key` after the response (what it held is no longer true): never skipped as a recent write is. */
export function cacheDelete(deps: CacheDeps, what: string, key: string): void {
  recentWritesByStore.get(deps.kv)?.delete(key);
  deps.defer(deps.kv.delete(key).catch((error: unknown) => noteFailure(deps, 'write', what, error)));
}

function mayWrite(deps: CacheDeps, key: string, now: number): boolean {
  let recentWrites = recentWritesByStore.get(deps.kv);
  if (!recentWrites) recentWritesByStore.set(deps.kv, (recentWrites = new Map()));
  const last = recentWrites.get(key);
  if (last !== undefined && now - last < SAME_KEY_WRITE_MS && now >= last) return false;
  if (recentWrites.size >= RECENT_WRITES_KEPT) {
    for (const [k, at] of recentWrites) if (now - at >= SAME_KEY_WRITE_MS || at > now) recentWrites.delete(k);
    if (recentWrites.size >= RECENT_WRITES_KEPT) recentWrites.clear();
  }
  recentWrites.set(key, now);
  return true;
}
