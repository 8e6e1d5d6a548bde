// Test runtime seam, workerd side: the real Workers KV binding from wrangler.toml, one key prefix per service.
// @ts-expect-error -- 'cloudflare:workers' exists only inside workerd; this file is aliased in for the workerd project.
import { env } from 'cloudflare:workers';
import { CloudflareKv, type KvNamespaceLike } from '../../src/kv/cloudflare.js';
import type { KvListResult, KvPutOptions, KvStore } from '../../src/kv/store.js';

export const runtimeName: 'node' | 'workerd' = 'workerd';

class PrefixedKv implements KvStore {
  constructor(private readonly inner: KvStore, private readonly prefix: string) {}
  get(key: string) { return this.inner.get(this.prefix + key); }
  put(key: string, value: string, options?: KvPutOptions) { return this.inner.put(this.prefix + key, value, options); }
  delete(key: string) { return this.inner.delete(this.prefix + key); }
  async list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<KvListResult> {
    const page = await this.inner.list(this.prefix + prefix, options);
    return { ...page, keys: page.keys.map((k) => k.slice(this.prefix.length)) };
  }
}

export const makeKv = (): KvStore =>
  new PrefixedKv(new CloudflareKv((env as unknown as { FERRY_KV: KvNamespaceLike }).FERRY_KV), `${crypto.randomUUID()}:`);
