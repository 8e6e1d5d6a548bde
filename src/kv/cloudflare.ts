// KvStore over a Workers KV namespace binding.

import type { KvListResult, KvPutOptions, KvStore } from './store.js';

/** The part of the Workers KV binding Ferry uses (typed here so the core needs no Workers types). */
export interface KvNamespaceLike {
  get(key: string, type: 'text'): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix: string; cursor?: string; limit?: number }): Promise<{
    keys: { name: string }[];
    list_complete: boolean;
    cursor?: string;
  }>;
}

// Workers KV refuses an expirationTtl below 60 seconds.
const MIN_TTL_SECONDS = 60;

export class CloudflareKv implements KvStore {
  readonly #ns: KvNamespaceLike;

  constructor(ns: KvNamespaceLike) {
    this.#ns = ns;
  }

  get(key: string): Promise<string | null> {
    return this.#ns.get(key, 'text');
  }

  async put(key: string, value: string, options: KvPutOptions = {}): Promise<void> {
    const ttl = options.ttlSeconds;
    await this.#ns.put(
      key,
      value,
      ttl === undefined ? {} : { expirationTtl: Math.max(MIN_TTL_SECONDS, Math.ceil(ttl)) },
    );
  }

  delete(key: string): Promise<void> {
    return this.#ns.delete(key);
  }

  async list(prefix: string, options: { cursor?: string; limit?: number } = {}): Promise<KvListResult> {
    const page = await this.#ns.list({ prefix, ...options });
    const keys = page.keys.map((k) => k.name);
    return page.list_complete || !page.cursor ? { keys } : { keys, cursor: page.cursor };
  }
}
