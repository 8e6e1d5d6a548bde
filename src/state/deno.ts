// StateStore over Deno KV: each write is an atomic operation checked against the versionstamp read just
// before it, so two writers racing for one key cannot both win. Expiry is checked on read, as in the KV
// adapter (Deno's expireIn only promises eventual deletion).

import {
  DEFAULT_STATE_LIST_LIMIT,
  type StateEntry,
  type StateListOptions,
  type StateStore,
  type StateWriteOptions,
} from './store.js';
import { DenoJobIndex } from './deno-job-index.js';
import type { DenoStateKvLike } from './deno-kv.js';

export type { DenoAtomicLike, DenoKey, DenoStateKvLike } from './deno-kv.js';

interface Held {
  value: string;
  version: number;
  expiresAt: number | null;
}

const ROOT = 'ferry-state';

export class DenoState implements StateStore {
  readonly #kv: DenoStateKvLike;
  readonly #now: () => number;
  readonly jobIndex: DenoJobIndex;

  constructor(kv: DenoStateKvLike, now: () => number = Date.now) {
    this.#kv = kv;
    this.#now = now;
    this.jobIndex = new DenoJobIndex(kv, now);
  }

  #isLive(held: Held | null): held is Held {
    return held !== null && (held.expiresAt === null || held.expiresAt > this.#now());
  }

  #hold(value: string, version: number, options: StateWriteOptions): Held {
    return {
      value,
      version,
      expiresAt: options.ttlSeconds === undefined ? null : this.#now() + options.ttlSeconds * 1000,
    };
  }

  async get(key: string): Promise<StateEntry | null> {
    const held = (await this.#kv.get([ROOT, key])).value as Held | null;
    return this.#isLive(held) ? { key, value: held.value, version: held.version } : null;
  }

  async create(key: string, value: string, options: StateWriteOptions = {}): Promise<boolean> {
    const read = await this.#kv.get([ROOT, key]);
    if (this.#isLive(read.value as Held | null)) return false;
    const { ok } = await this.#kv
      .atomic()
      .check({ key: [ROOT, key], versionstamp: read.versionstamp })
      .set([ROOT, key], this.#hold(value, 1, options))
      .commit();
    return ok;
  }

  async update(key: string, version: number, value: string, options: StateWriteOptions = {}): Promise<boolean> {
    const read = await this.#kv.get([ROOT, key]);
    const held = read.value as Held | null;
    if (!this.#isLive(held) || held.version !== version) return false;
    const { ok } = await this.#kv
      .atomic()
      .check({ key: [ROOT, key], versionstamp: read.versionstamp })
      .set([ROOT, key], this.#hold(value, version + 1, options))
      .commit();
    return ok;
  }

  async delete(key: string): Promise<void> {
    await this.#kv.delete([ROOT, key]);
  }

  async list(prefix: string, options: StateListOptions = {}): Promise<{ entries: StateEntry[]; cursor?: string }> {
    const limit = options.limit ?? DEFAULT_STATE_LIST_LIMIT;
    const start = options.cursor !== undefined && options.cursor >= prefix ? `${options.cursor}\u0000` : prefix;
    const entries: StateEntry[] = [];
    for await (const item of this.#kv.list({ start: [ROOT, start], end: [ROOT, `${prefix}\uffff`] })) {
      const held = item.value as Held | null;
      if (!this.#isLive(held)) continue;
      if (entries.length === limit) return { entries, cursor: entries[entries.length - 1]!.key };
      entries.push({ key: String(item.key[1]), value: held.value, version: held.version });
    }
    return { entries };
  }
}
