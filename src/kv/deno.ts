// KvStore over Deno KV. Deno KV caps a value at 64 KiB and manifests reach 4 MiB, so a value is stored as
// parts under [key, version, i] with a small head record at [key] that names the version; readers follow
// the head, so a reader never mixes the parts of two writes. Expiry is checked on read (Deno's expireIn
// only promises eventual deletion).

import type { KvListResult, KvPutOptions, KvStore } from './store.js';

type DenoKey = (string | number)[];

export interface DenoKvLike {
  get(key: DenoKey): Promise<{ value: unknown }>;
  getMany(keys: DenoKey[]): Promise<{ value: unknown }[]>;
  set(key: DenoKey, value: unknown, options?: { expireIn?: number }): Promise<unknown>;
  delete(key: DenoKey): Promise<void>;
  list(
    selector: { start: DenoKey; end: DenoKey },
    options?: { limit?: number },
  ): AsyncIterable<{ key: DenoKey; value: unknown }>;
}

interface Head {
  version: string;
  parts: number;
  expiresAt: number | null;
}

// Under Deno KV's 64 KiB value limit, with room for the structure around the string.
const PART_CHARS = 60_000;
// getMany takes at most 10 keys.
const GET_MANY = 10;

export class DenoKv implements KvStore {
  readonly #kv: DenoKvLike;
  readonly #now: () => number;

  constructor(kv: DenoKvLike, now: () => number = Date.now) {
    this.#kv = kv;
    this.#now = now;
  }

  async #head(key: string): Promise<Head | null> {
    const head = (await this.#kv.get(['v', key])).value as Head | null;
    if (!head) return null;
    if (head.expiresAt !== null && head.expiresAt <= this.#now()) return null;
    return head;
  }

  async get(key: string): Promise<string | null> {
    const head = await this.#head(key);
    if (!head) return null;
    const keys = Array.from({ length: head.parts }, (_, i): DenoKey => ['p', key, head.version, i]);
    let text = '';
    for (let i = 0; i < keys.length; i += GET_MANY) {
      for (const entry of await this.#kv.getMany(keys.slice(i, i + GET_MANY))) {
        if (typeof entry.value !== 'string') return null; // a write replaced it meanwhile
        text += entry.value;
      }
    }
    return text;
  }

  async put(key: string, value: string, options: KvPutOptions = {}): Promise<void> {
    const expiresAt = options.ttlSeconds === undefined ? null : Math.round(this.#now() + options.ttlSeconds * 1000);
    const expire = options.ttlSeconds === undefined ? {} : { expireIn: Math.max(1, options.ttlSeconds * 1000) };
    const previous = (await this.#kv.get(['v', key])).value as Head | null;
    const version = crypto.randomUUID();
    const parts = Math.max(1, Math.ceil(value.length / PART_CHARS));
    for (let i = 0; i < parts; i++)
      await this.#kv.set(['p', key, version, i], value.slice(i * PART_CHARS, (i + 1) * PART_CHARS), expire);
    await this.#kv.set(['v', key], { version, parts, expiresAt } satisfies Head, expire);
    if (previous) await this.#deleteParts(key, previous);
  }

  async #deleteParts(key: string, head: Head): Promise<void> {
    for (let i = 0; i < head.parts; i++) await this.#kv.delete(['p', key, head.version, i]);
  }

  async delete(key: string): Promise<void> {
    const head = (await this.#kv.get(['v', key])).value as Head | null;
    await this.#kv.delete(['v', key]);
    if (head) await this.#deleteParts(key, head);
  }

  async list(prefix: string, options: { cursor?: string; limit?: number } = {}): Promise<KvListResult> {
    const limit = options.limit ?? 1000;
    const start: DenoKey = [
      'v',
      options.cursor !== undefined && options.cursor >= prefix ? `${options.cursor}\u0000` : prefix,
    ];
    const keys: string[] = [];
    const now = this.#now();
    for await (const entry of this.#kv.list({ start, end: ['v', `${prefix}\uffff`] })) {
      const head = entry.value as Head;
      if (head.expiresAt !== null && head.expiresAt <= now) continue;
      keys.push(entry.key[1] as string);
      if (keys.length > limit) break;
    }
    const page = keys.slice(0, limit);
    return keys.length > limit ? { keys: page, cursor: page[page.length - 1]! } : { keys: page };
  }
}
