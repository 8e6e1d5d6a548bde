// In-process KvStore: tests and single-process runtimes without a persistent store.

import type { KvListResult, KvPutOptions, KvStore } from './store.js';

interface Entry {
  value: string;
  expiresAt: number | undefined;
}

export class MemoryKv implements KvStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async get(key: string): Promise<string | null> {
    const entry = this.#entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async put(key: string, value: string, options: KvPutOptions = {}): Promise<void> {
    const expiresAt = options.ttlSeconds === undefined ? undefined : this.#now() + options.ttlSeconds * 1000;
    this.#entries.set(key, { value, expiresAt });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async list(prefix: string, options: { cursor?: string; limit?: number } = {}): Promise<KvListResult> {
    const limit = options.limit ?? 1000;
    const now = this.#now();
    const keys = [...this.#entries.entries()]
      .filter(([key, e]) => key.startsWith(prefix) && (e.expiresAt === undefined || e.expiresAt > now))
      .map(([key]) => key)
      .sort()
      .filter((key) => options.cursor === undefined || key > options.cursor);
    const page = keys.slice(0, limit);
    const last = page[page.length - 1];
    return keys.length > limit && last !== undefined ? { keys: page, cursor: last } : { keys: page };
  }
}
