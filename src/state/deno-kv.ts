// The part of Deno KV the state adapters use (Deno.Kv has it; tests and other runtimes need no Deno types).

export type DenoKey = (string | number)[];

export interface DenoAtomicLike {
  check(...checks: { key: DenoKey; versionstamp: string | null }[]): DenoAtomicLike;
  set(key: DenoKey, value: unknown, options?: { expireIn?: number }): DenoAtomicLike;
  delete(key: DenoKey): DenoAtomicLike;
  commit(): Promise<{ ok: boolean }>;
}

export interface DenoStateKvLike {
  get(key: DenoKey): Promise<{ value: unknown; versionstamp: string | null }>;
  delete(key: DenoKey): Promise<void>;
  list(
    selector: { start: DenoKey; end: DenoKey } | { prefix: DenoKey; end?: DenoKey },
    options?: { limit?: number; reverse?: boolean },
  ): AsyncIterable<{ key: DenoKey; value: unknown }>;
  atomic(): DenoAtomicLike;
}
