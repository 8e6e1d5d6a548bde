// In-process StateStore: tests, and a single process with nothing persistent.

import {
  DEFAULT_STATE_LIST_LIMIT,
  type StateEntry,
  type StateListOptions,
  type StateStore,
  type StateWriteOptions,
} from './store.js';
import { MemoryJobIndex } from './memory-job-index.js';

interface Held {
  value: string;
  version: number;
  expiresAt: number | undefined;
}

export class MemoryState implements StateStore {
  readonly #entries = new Map<string, Held>();
  readonly #now: () => number;
  readonly jobIndex: MemoryJobIndex;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.jobIndex = new MemoryJobIndex(now);
  }

  #live(key: string): Held | undefined {
    const held = this.#entries.get(key);
    if (held && held.expiresAt !== undefined && held.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return held;
  }

  #hold(value: string, version: number, options: StateWriteOptions): Held {
    return {
      value,
      version,
      expiresAt: options.ttlSeconds === undefined ? undefined : this.#now() + options.ttlSeconds * 1000,
    };
  }

  async get(key: string): Promise<StateEntry | null> {
    const held = this.#live(key);
    return held ? { key, value: held.value, version: held.version } : null;
  }

  async create(key: string, value: string, options: StateWriteOptions = {}): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#entries.set(key, this.#hold(value, 1, options));
    return true;
  }

  async update(key: string, version: number, value: string, options: StateWriteOptions = {}): Promise<boolean> {
    const held = this.#live(key);
    if (!held || held.version !== version) return false;
    this.#entries.set(key, this.#hold(value, version + 1, options));
    return true;
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async list(prefix: string, options: StateListOptions = {}): Promise<{ entries: StateEntry[]; cursor?: string }> {
    const limit = options.limit ?? DEFAULT_STATE_LIST_LIMIT;
    const keys = [...this.#entries.keys()]
      .filter((key) => key.startsWith(prefix) && (options.cursor === undefined || key > options.cursor))
      .sort();
    const entries: StateEntry[] = [];
    for (const key of keys) {
      const held = this.#live(key);
      if (!held) continue;
      if (entries.length === limit) return { entries, cursor: entries[entries.length - 1]!.key };
      entries.push({ key, value: held.value, version: held.version });
    }
    return { entries };
  }
}
