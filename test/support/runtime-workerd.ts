// Test runtime seam, workerd side: the real Workers KV binding and FerryState Durable Objects from
// wrangler.toml, one key prefix per service.
// @ts-expect-error -- 'cloudflare:workers' exists only inside workerd; this file is aliased in for the workerd project.
import { env } from 'cloudflare:workers';
import { CloudflareKv, type KvNamespaceLike } from '../../src/kv/cloudflare.js';
import type { KvListResult, KvPutOptions, KvStore } from '../../src/kv/store.js';
import { DurableObjectState, type StateNamespaceLike } from '../../src/state/durable-objects.js';
import worker, { runWorkflowJob, workflowJobs, WORKERS_DEFAULTS } from '../../worker.js';
import type { StateEntry, StateListOptions, StateStore, StateWriteOptions } from '../../src/state/store.js';

export const runtimeName: 'node' | 'workerd' = 'workerd';
/** ajv generates code, which workerd forbids: responses are checked for documented statuses only here. */
export const schemaValidator = undefined;

class PrefixedKv implements KvStore {
  constructor(
    private readonly inner: KvStore,
    private readonly prefix: string,
  ) {}
  get(key: string) {
    return this.inner.get(this.prefix + key);
  }
  put(key: string, value: string, options?: KvPutOptions) {
    return this.inner.put(this.prefix + key, value, options);
  }
  delete(key: string) {
    return this.inner.delete(this.prefix + key);
  }
  async list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<KvListResult> {
    const page = await this.inner.list(this.prefix + prefix, options);
    return { ...page, keys: page.keys.map((k) => k.slice(this.prefix.length)) };
  }
}

export const makeKv = (): KvStore =>
  new PrefixedKv(
    new CloudflareKv((env as unknown as { FERRY_KV: KvNamespaceLike }).FERRY_KV),
    `${crypto.randomUUID()}:`,
  );

// Group names carry the prefix too ("<prefix>job:…|record"), so each service gets Durable Objects of its own,
// its job index among them.
class PrefixedState implements StateStore {
  readonly jobIndex: StateStore['jobIndex'];
  readonly tokenExchanges: NonNullable<StateStore['tokenExchanges']>;
  constructor(
    private readonly inner: StateStore,
    private readonly prefix: string,
  ) {
    this.jobIndex = inner.jobIndex;
    this.tokenExchanges = {
      exchange: (key, request, fresh) => inner.tokenExchanges!.exchange(prefix + key, request, fresh),
    };
  }
  #out = (e: StateEntry): StateEntry => ({ ...e, key: e.key.slice(this.prefix.length) });
  async get(key: string) {
    const e = await this.inner.get(this.prefix + key);
    return e && this.#out(e);
  }
  create(key: string, value: string, options?: StateWriteOptions) {
    return this.inner.create(this.prefix + key, value, options);
  }
  update(key: string, version: number, value: string, options?: StateWriteOptions) {
    return this.inner.update(this.prefix + key, version, value, options);
  }
  delete(key: string) {
    return this.inner.delete(this.prefix + key);
  }
  async list(prefix: string, options: StateListOptions = {}) {
    const page = await this.inner.list(this.prefix + prefix, {
      ...options,
      ...(options.cursor ? { cursor: this.prefix + options.cursor } : {}),
    });
    return {
      entries: page.entries.map(this.#out),
      ...(page.cursor ? { cursor: page.cursor.slice(this.prefix.length) } : {}),
    };
  }
}

/** `prefix`: the one its objects' names start with (a test that looks into them names it). */
export function makeState(prefix = `t${crypto.randomUUID().slice(0, 8)}`): StateStore {
  const namespace = (env as unknown as { FERRY_STATE: StateNamespaceLike }).FERRY_STATE;
  return new PrefixedState(new DurableObjectState(namespace, `${prefix}job-index`), prefix);
}

/**
 * Strict-platform mode is this project's default (test/support/strict-platform.ts): local workerd runs
 * code without the hosted limits, so the harness enforces them; jobs run as Workflow instances through
 * worker.ts's own code.
 */
export const workersPlatform = {
  workflowJobs,
  runWorkflowJob,
  /** Workers' job lanes (the copy concurrency stays the tests' own: their counts assume it). */
  jobConcurrency: WORKERS_DEFAULTS.jobConcurrency!,
  /** worker.ts's own fetch handler, for what happens before any app exists (an invalid configuration). */
  workerFetch: (request: Request, bindings: Record<string, unknown>, ctx: object = {}) =>
    worker.fetch(request, { ...(env as object), ...bindings } as never, ctx),
};
