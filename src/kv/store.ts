// The one small metadata interface every runtime adapter implements.

export interface KvPutOptions {
  /** Seconds until the value may disappear. Adapters may round up to their minimum. */
  ttlSeconds?: number;
}

export interface KvListResult {
  keys: string[];
  /** Present when more keys follow. */
  cursor?: string;
}

export interface KvStore {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: KvPutOptions): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<KvListResult>;
}

/** Reads a JSON value; a corrupt entry counts as missing rather than failing the request. */
export async function getJson<T>(kv: KvStore, key: string): Promise<T | null> {
  const raw = await kv.get(key);
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

export async function putJson(kv: KvStore, key: string, value: unknown, options?: KvPutOptions): Promise<void> {
  await kv.put(key, JSON.stringify(value), options);
}
