// Coordination state: the small, strongly consistent store behind jobs, event dedupe, upload sessions and
// token single-flight. Unlike KV (a cache: eventually consistent, one write per second per key), every
// adapter here reads its own writes everywhere and decides races atomically.

import type { JobIndex } from './job-index.js';

/**
 * Keys are `<group>|<name>`. A group is one unit of consistency and of listing (one Durable Object on
 * Workers); `list` stays inside the group its prefix names.
 */
export interface StateEntry {
  key: string;
  value: string;
  /** 1 when created; each successful update adds one. */
  version: number;
}

export interface StateWriteOptions {
  /** Seconds until the entry counts as absent. Without it the entry stays until deleted. */
  ttlSeconds?: number;
}

export interface StateListOptions {
  /** The `cursor` of the previous page. */
  cursor?: string;
  limit?: number;
}

export interface StateStore {
  get(key: string): Promise<StateEntry | null>;
  /** Create-if-absent: true when this call created the entry; false when a live entry already holds the key. */
  create(key: string, value: string, options?: StateWriteOptions): Promise<boolean>;
  /** Compare-and-set: writes only when the live entry's version is `version`; false otherwise (changed, or gone). */
  update(key: string, version: number, value: string, options?: StateWriteOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Live entries whose key starts with `prefix` (which names its group), in key order. */
  list(prefix: string, options?: StateListOptions): Promise<{ entries: StateEntry[]; cursor?: string }>;
  /** Jobs by owner, state, kind, rule and parent, newest first (job-index.ts). */
  readonly jobIndex: JobIndex;
  /**
   * Where the store can make a registry token exchange itself (a Durable Object: one for every isolate):
   * every caller of one key is answered from one exchange, and waits without polling. Absent elsewhere.
   */
  readonly tokenExchanges?: TokenExchanges;
}

/**
 * Token exchanges made by the store. `request` is the registry layer's written-down exchange (TokenRequest in
 * src/registry/token-store.ts), opaque here; it holds a credential. `fresh`: the token held was refused.
 */
export interface TokenExchanges {
  exchange(key: string, request: object, fresh: boolean): Promise<{ token: string; expiresAt: number }>;
}

export const DEFAULT_STATE_LIST_LIMIT = 100;

/** The group of a key: the part before the first "|". */
export function stateGroup(key: string): string {
  const cut = key.indexOf('|');
  if (cut <= 0) throw new Error(`state key "${key}" names no group`);
  return key.slice(0, cut);
}

/** Reads a JSON entry; a corrupt one counts as missing. */
export async function getStateJson<T>(store: StateStore, key: string): Promise<{ value: T; version: number } | null> {
  const entry = await store.get(key);
  if (!entry) return null;
  try {
    return { value: JSON.parse(entry.value) as T, version: entry.version };
  } catch {
    return null;
  }
}

/** Writes `value` whatever the entry held (last writer wins), by create-if-absent or compare-and-set. */
export async function replaceState(
  store: StateStore,
  key: string,
  value: string,
  options?: StateWriteOptions,
): Promise<void> {
  for (;;) {
    const entry = await store.get(key);
    if (entry ? await store.update(key, entry.version, value, options) : await store.create(key, value, options))
      return;
  }
}
