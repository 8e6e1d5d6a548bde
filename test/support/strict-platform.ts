// The hosted Workers platform's rules, enforced around Ferry in tests (strict-platform mode). Local workerd
// runs code without them; these are the documented ones Ferry must live within
// (../shared/reviews/workers-limits.md, L1-L15, each from Cloudflare's limits pages):
//  - KV: one write per second per key (a second one gets 429); 1,000 KV operations per invocation; each
//    location sees other locations' writes only after a delay, and caches what it read, a miss included.
//  - Subrequests (fetch, KV, Durable Objects) per invocation, and per Workflow instance over all its steps.
//  - A Workflow step's result is at most 1 MiB.
//  - A SQLite-backed Durable Object's row (key + value) is at most 2 MB (local workerd takes up to ~3 MB).
//  - Work left running after a response (or a client's disconnect) lives 30 s more, then is cut.
// An invocation is one fetch, one scheduled event, one Workflow step (or the instance's code between
// steps). Which location serves a request is chosen by the `x-ferry-location` request header. The clock
// is the service's own (injected): limits are counted, never timed.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { FetchLike } from '../../src/deps.js';
import type { KvListResult, KvPutOptions, KvStore } from '../../src/kv/store.js';
import { stateGroup, type StateListOptions, type StateStore, type StateWriteOptions } from '../../src/state/store.js';
import { JOB_INDEX_OBJECT } from '../../src/state/durable-objects.js';

export interface PlatformLimits {
  kvOpsPerInvocation: number;
  subrequestsPerInvocation: number;
  subrequestsPerInstance: number;
  stepResultBytes: number;
  /** Steps (do, waitForEvent) one Workflow instance may take: wrangler.toml's `limits.steps`. */
  stepsPerInstance: number;
  /** Key + value of one state entry, in bytes (the decimal 2 MB: the stricter reading of "2 MB"). */
  stateRowBytes: number;
  /** What one Durable Object may store (its rows' keys and values; SQLite's own overhead is not counted). */
  objectBytes: number;
  waitUntilMs: number;
  kvSameKeyWriteMs: number;
  /** How long a write at one location takes to reach the others. */
  kvLagMs: number;
  /** How long a location keeps what it read (a miss too) before asking again. */
  kvEdgeCacheMs: number;
}

/** The documented Paid plan figures. */
export const PAID_LIMITS: PlatformLimits = {
  kvOpsPerInvocation: 1000,
  subrequestsPerInvocation: 10_000,
  subrequestsPerInstance: 10_000,
  stepResultBytes: 1024 * 1024,
  stepsPerInstance: 10_000,
  stateRowBytes: 2_000_000,
  objectBytes: 10_000_000_000,
  waitUntilMs: 30_000,
  kvSameKeyWriteMs: 1000,
  kvLagMs: 60_000,
  kvEdgeCacheMs: 60_000,
};

export const LOCATION_HEADER = 'x-ferry-location';
const DEFAULT_LOCATION = 'a';

interface InstanceMeter {
  id: string;
  subrequests: number;
  /** Steps taken, a replayed one too: the engine counts each. */
  steps: number;
  /** What the engine waited before each retry of a step (ms). */
  retryDelaysMs: number[];
}

/** What one invocation did: what a test reads to check a budget. */
export interface InvocationRecord {
  kind: 'fetch' | 'scheduled' | 'step' | 'workflow';
  name: string;
  location: string;
  subrequests: number;
  kvReads: number;
  kvWrites: number;
  /** Clock time its response ended (fetch) or its run returned; work after it is waitUntil's. */
  endedAt?: number;
  instance?: InstanceMeter;
}

/** Every KV write, by key, as the platform saw it (what a test counts: "no write to job keys"). */
export interface KvWrite {
  key: string;
  at: number;
  location: string;
}

interface Version {
  value: string | null;
  at: number;
  origin: string;
  expiresAt?: number;
}

export class PlatformViolation extends Error {}

export class StrictPlatform {
  readonly limits: PlatformLimits;
  readonly invocations: InvocationRecord[] = [];
  readonly kvWrites: KvWrite[] = [];
  /** Rules broken so far; a test that does not break one on purpose expects none (see strict-setup.ts). */
  readonly violations: string[] = [];
  readonly #now: () => number;
  readonly #context = new AsyncLocalStorage<InvocationRecord>();
  readonly #deferred = new Set<Promise<unknown>>();
  // KV as the platform holds it: each key's versions, and what each location has cached.
  readonly #versions = new Map<string, Version[]>();
  readonly #edge = new Map<string, Map<string, { value: string | null; until: number }>>();

  /** Lets time pass on the injected clock (a step's retry delay); without it the delay is only noted. */
  readonly #advance: ((ms: number) => void) | undefined;

  constructor(now: () => number, limits: Partial<PlatformLimits> = {}, clock: { advance?: (ms: number) => void } = {}) {
    this.#now = now;
    this.limits = { ...PAID_LIMITS, ...limits };
    this.#advance = clock.advance;
  }

  /** The injected clock. */
  now(): number {
    return this.#now();
  }

  /** `ms` passes on the injected clock where it can be moved (a test's own clock). */
  pass(ms: number): void {
    this.#advance?.(ms);
  }

  /** The invocation the calling code runs in, if any (a test's own calls run in none). */
  get current(): InvocationRecord | undefined {
    return this.#context.getStore();
  }

  /** Runs `work` as a new invocation. */
  invoke<T>(
    kind: InvocationRecord['kind'],
    name: string,
    work: () => Promise<T>,
    options: { location?: string; instance?: InstanceMeter } = {},
  ): Promise<T> {
    const record: InvocationRecord = {
      kind,
      name,
      location: options.location ?? DEFAULT_LOCATION,
      subrequests: 0,
      kvReads: 0,
      kvWrites: 0,
      ...(options.instance ? { instance: options.instance } : {}),
    };
    this.invocations.push(record);
    return this.#context.run(record, work);
  }

  /** Ends the current invocation's response: what still runs has waitUntil's 30 s. */
  end(record: InvocationRecord): void {
    record.endedAt ??= this.#now();
  }

  /** Serves one request as a fetch invocation; the invocation ends when its body ends or its client goes. */
  async serve(request: Request, handle: (request: Request) => Promise<Response>): Promise<Response> {
    const location = request.headers.get(LOCATION_HEADER) ?? DEFAULT_LOCATION;
    let record!: InvocationRecord;
    const response = await this.invoke(
      'fetch',
      `${request.method} ${new URL(request.url).pathname}`,
      async () => {
        record = this.current!;
        return handle(request);
      },
      { location },
    );
    if (!response.body) {
      this.end(record);
      return response;
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const { done, value } = await reader.read();
        if (done) {
          this.end(record);
          controller.close();
        } else controller.enqueue(value);
      },
      cancel: async (reason) => {
        this.end(record); // the client went away
        await reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  /** waitUntil: the work is awaited by settle(), and cut 30 s after its invocation's response. */
  defer(work: Promise<unknown>): void {
    const held = work.catch(() => undefined).finally(() => this.#deferred.delete(held));
    this.#deferred.add(held);
  }

  async settle(): Promise<void> {
    while (this.#deferred.size) await Promise.all([...this.#deferred]);
  }

  #violate(message: string): never {
    this.violations.push(message);
    throw new PlatformViolation(message);
  }

  // Every binding call and fetch goes through here: the invocation must be alive, and within budget.
  #subrequest(what: string): InvocationRecord | undefined {
    const record = this.current;
    if (!record) return undefined;
    if (record.endedAt !== undefined && this.#now() - record.endedAt > this.limits.waitUntilMs) {
      this.#violate(`${what} ${this.limits.waitUntilMs / 1000} s after "${record.name}" ended: waitUntil has cut it`);
    }
    record.subrequests++;
    if (record.subrequests > this.limits.subrequestsPerInvocation)
      this.#violate(
        `Too many subrequests in "${record.name}" (${record.subrequests} > ${this.limits.subrequestsPerInvocation})`,
      );
    if (record.instance) {
      record.instance.subrequests++;
      if (record.instance.subrequests > this.limits.subrequestsPerInstance) {
        this.#violate(
          `Too many subrequests in Workflow instance ${record.instance.id} (${record.instance.subrequests} > ${this.limits.subrequestsPerInstance})`,
        );
      }
    }
    return record;
  }

  #kvOp(kind: 'read' | 'write'): InvocationRecord | undefined {
    const record = this.#subrequest('a KV operation');
    if (!record) return undefined;
    if (kind === 'read') record.kvReads++;
    else record.kvWrites++;
    const ops = record.kvReads + record.kvWrites;
    if (ops > this.limits.kvOpsPerInvocation)
      this.#violate(`Too many API requests by single worker invocation: ${ops} KV operations in "${record.name}"`);
    return record;
  }

  fetch(inner: FetchLike): FetchLike {
    return async (input, init) => {
      this.#subrequest(`fetch ${input instanceof Request ? input.url : String(input)}`);
      return inner(input, init);
    };
  }

  /**
   * Calls each Durable Object took (by state group, as durable-objects.ts maps them; "job-index" for the
   * index), and the largest row written: what a load reads to say which object is busiest per unit of work.
   * Counts, not rates, so the machine's speed does not change them.
   */
  readonly objectCalls = new Map<string, number>();
  largestRowBytes = 0;
  /**
   * Bytes each object holds, by object and key (rows written, less those deleted or replaced; rows that
   * expire are not taken off, so the count only errs high).
   */
  readonly #stored = new Map<string, Map<string, number>>();

  /** What an object holds now, in bytes (its rows' keys and values). */
  objectBytes(object: string): number {
    let total = 0;
    for (const bytes of this.#stored.get(object)?.values() ?? []) total += bytes;
    return total;
  }

  /** Notes what a row of `object` now holds (undefined: it was deleted); a write past the limit is refused. */
  #store(object: string, key: string, bytes: number | undefined, write: () => Promise<boolean> = async () => true) {
    const rows = this.#stored.get(object) ?? new Map<string, number>();
    this.#stored.set(object, rows);
    const total = this.objectBytes(object) - (rows.get(key) ?? 0) + (bytes ?? 0);
    if (total > this.limits.objectBytes)
      this.#violate(
        `Durable Object storage: ${object} holds ${total.toLocaleString('en')} bytes, over its ` +
          `${this.limits.objectBytes.toLocaleString('en')}`,
      );
    return write().then((taken) => {
      if (taken && bytes === undefined) rows.delete(key);
      else if (taken) rows.set(key, bytes!);
      return taken;
    });
  }

  /** Durable Object calls are subrequests too. */
  state(inner: StateStore): StateStore {
    const call = async <T>(object: string, work: () => Promise<T>) => {
      this.#subrequest('a Durable Object call');
      this.objectCalls.set(object, (this.objectCalls.get(object) ?? 0) + 1);
      return work();
    };
    const fits = (key: string, value: string) => {
      const bytes = new TextEncoder().encode(key).byteLength + new TextEncoder().encode(value).byteLength;
      this.largestRowBytes = Math.max(this.largestRowBytes, bytes);
      if (bytes > this.limits.stateRowBytes)
        this.#violate(`Durable Object storage: a row of ${bytes} bytes (key + value) is over the 2 MB one may hold`);
      return bytes;
    };
    // A write the store took counts toward its object's storage; one past the object's limit is refused.
    const stored = (key: string, value: string, write: () => Promise<boolean>) =>
      this.#store(stateGroup(key), key, fits(key, value), write);
    return {
      get: (key) => call(stateGroup(key), () => inner.get(key)),
      create: (key: string, value: string, options?: StateWriteOptions) =>
        call(stateGroup(key), () => stored(key, value, () => inner.create(key, value, options))),
      update: (key: string, version: number, value: string, options?: StateWriteOptions) =>
        call(stateGroup(key), () => stored(key, value, () => inner.update(key, version, value, options))),
      delete: (key) =>
        call(stateGroup(key), async () => {
          await inner.delete(key);
          await this.#store(stateGroup(key), key, undefined);
        }),
      list: (prefix: string, options?: StateListOptions) => call(stateGroup(prefix), () => inner.list(prefix, options)),
      jobIndex: {
        put: (row, ttlSeconds) =>
          call(JOB_INDEX_OBJECT, async () => {
            await this.#store(JOB_INDEX_OBJECT, row.id, fits(row.id, JSON.stringify(row)), async () => {
              await inner.jobIndex.put(row, ttlSeconds);
              return true;
            });
          }),
        list: (query) => call(JOB_INDEX_OBJECT, () => inner.jobIndex.list(query)),
      },
      ...(inner.tokenExchanges
        ? {
            tokenExchanges: {
              exchange: (key: string, request: object, fresh: boolean) =>
                call(stateGroup(key), () => inner.tokenExchanges!.exchange(key, request, fresh)),
            },
          }
        : {}),
    };
  }

  /** The object with the most calls, and how many. */
  busiestObject(): { object: string; calls: number } {
    const [object, calls] = [...this.objectCalls].sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
    return { object, calls };
  }

  /** Workers KV as each location sees it. `inner` still does the storing, so its own failures show. */
  kv(inner: KvStore): KvStore {
    return {
      get: async (key) => {
        const location = this.#kvOp('read')?.location ?? DEFAULT_LOCATION;
        const stored = await inner.get(key);
        return this.#versions.has(key) ? this.#readAt(location, key) : stored;
      },
      put: async (key: string, value: string, options?: KvPutOptions) => {
        const location = this.#kvOp('write')?.location ?? DEFAULT_LOCATION;
        const now = this.#now();
        const last = this.kvWrites.findLast((w) => w.key === key);
        if (last && now - last.at < this.limits.kvSameKeyWriteMs && now >= last.at)
          this.#violate(`KV PUT failed: 429 Too Many Requests (${key} written twice within a second)`);
        await inner.put(key, value, options);
        this.#write(location, key, value, now, options?.ttlSeconds);
      },
      delete: async (key) => {
        const location = this.#kvOp('write')?.location ?? DEFAULT_LOCATION;
        await inner.delete(key);
        this.#write(location, key, null, this.#now());
      },
      list: async (prefix: string, options?: { cursor?: string; limit?: number }): Promise<KvListResult> => {
        this.#kvOp('read');
        return inner.list(prefix, options);
      },
    };
  }

  #write(location: string, key: string, value: string | null, at: number, ttlSeconds?: number): void {
    this.kvWrites.push({ key, at, location });
    const versions = this.#versions.get(key) ?? [];
    versions.push({ value, at, origin: location, ...(ttlSeconds ? { expiresAt: at + ttlSeconds * 1000 } : {}) });
    this.#versions.set(key, versions);
    this.#edgeOf(location).set(key, { value, until: at + this.limits.kvEdgeCacheMs }); // a location reads its own writes
  }

  #edgeOf(location: string) {
    let edge = this.#edge.get(location);
    if (!edge) this.#edge.set(location, (edge = new Map()));
    return edge;
  }

  #readAt(location: string, key: string): string | null {
    const now = this.#now();
    const edge = this.#edgeOf(location);
    const cached = edge.get(key);
    if (cached && now < cached.until) return cached.value;
    const versions = this.#versions.get(key) ?? [];
    const seen = versions.findLast((v) => v.origin === location || now - v.at >= this.limits.kvLagMs);
    const value = seen && !(seen.expiresAt !== undefined && now >= seen.expiresAt) ? seen.value : null;
    edge.set(key, { value, until: now + this.limits.kvEdgeCacheMs }); // a miss is cached too
    return value;
  }

  /**
   * The Workflows binding: instances run `run` with a `step` whose results are kept (a replay returns
   * them), each step an invocation of its own, the instance's subrequests counted over all of them.
   */
  workflows(run: (id: string, step: EmulatedStep) => Promise<void>): EmulatedWorkflows {
    return new EmulatedWorkflows(this, run);
  }
}

/** A step's configuration as the engine reads it: durations as numbers (ms) or "<n> second(s)|minute(s)|hour(s)". */
export interface EmulatedStepConfig {
  retries?: { limit?: number; delay?: string | number; backoff?: 'constant' | 'linear' | 'exponential' };
  timeout?: string | number;
}

export interface EmulatedStep {
  do<T>(name: string, config: EmulatedStepConfig, run: () => Promise<T>): Promise<T>;
  /** An event sent to the instance (kept when sent before the wait), or a WorkflowTimeoutError. */
  waitForEvent(name: string, options: { type: string; timeout: number }): Promise<unknown>;
}

// A wait for an event times out after this much real time, whatever it asked for: tests do not wait out
// a Workflow's timeouts, and a job that counts again after one must work all the same.
const EMULATED_EVENT_TIMEOUT_MS = 2000;

type InstanceStatus = 'queued' | 'running' | 'complete' | 'errored' | 'terminated';

class EmulatedInstance {
  status: InstanceStatus = 'queued';
  /** How many times it started: created once, then each restart. */
  starts = 0;
  readonly results = new Map<string, unknown>();
  readonly meter: InstanceMeter;
  /** Events sent and not yet taken, by type; and a wait's wake-up. */
  readonly events = new Map<string, unknown[]>();
  wake: (() => void) | undefined;
  done: Promise<void> = Promise.resolve();
  constructor(readonly id: string) {
    this.meter = { id, subrequests: 0, steps: 0, retryDelaysMs: [] };
  }
}

export class EmulatedWorkflows {
  readonly instances = new Map<string, EmulatedInstance>();
  constructor(
    private readonly platform: StrictPlatform,
    private readonly runInstance: (id: string, step: EmulatedStep) => Promise<void>,
  ) {}

  async create(options: { id: string; params: { id: string } }): Promise<unknown> {
    if (!isWorkflowInstanceId(options.id)) throw new Error('WorkflowError: Workflow instance has invalid id');
    if (this.instances.has(options.id))
      throw new Error(`instance.already_exists: an instance with id ${options.id} already exists`);
    const instance = new EmulatedInstance(options.id);
    this.instances.set(options.id, instance);
    this.#start(instance);
    return { id: options.id };
  }

  async get(id: string) {
    const instance = this.instances.get(id);
    if (!instance) throw new Error(`instance.not_found: ${id}`);
    return {
      status: async () => ({ status: instance.status }),
      restart: async () => {
        instance.results.clear();
        this.#start(instance);
      },
      sendEvent: async (event: { type: string; payload: unknown }) => {
        instance.events.set(event.type, [...(instance.events.get(event.type) ?? []), event.payload]);
        instance.wake?.();
      },
      // As the hosted engine: the instance stops at its next step and never runs again.
      terminate: async () => {
        instance.status = 'terminated';
      },
    };
  }

  /** Resolves when every instance has stopped running. */
  async settle(): Promise<void> {
    await Promise.all([...this.instances.values()].map((i) => i.done));
  }

  #start(instance: EmulatedInstance): void {
    instance.status = 'running';
    instance.starts++;
    const counted = (name: string) => {
      if (++instance.meter.steps > this.platform.limits.stepsPerInstance) {
        this.platform.violations.push(
          `instance ${instance.id} took more than ${this.platform.limits.stepsPerInstance} steps`,
        );
        throw new NonRetryable(`step "${name}": the instance is over its steps limit`);
      }
    };
    const step: EmulatedStep = {
      waitForEvent: async (name, options) => {
        if (instance.status === 'terminated') throw new NonRetryable('the instance was terminated');
        counted(name);
        if (instance.results.has(name)) return instance.results.get(name);
        const deadline = Date.now() + Math.min(options.timeout, EMULATED_EVENT_TIMEOUT_MS);
        for (;;) {
          const queued = instance.events.get(options.type) ?? [];
          if (queued.length) {
            const payload = queued.shift();
            instance.results.set(name, payload ?? null);
            return payload;
          }
          if (Date.now() >= deadline) {
            // As the engine's reaches an instance over RPC, which keeps only built-in error names: wrangler's
            // engine gives an Error whose message starts with the class's name.
            throw new Error(`WorkflowTimeoutError: Execution timed out after ${options.timeout}ms`);
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, deadline - Date.now());
            instance.wake = () => (clearTimeout(timer), resolve());
          });
          instance.wake = undefined;
        }
      },
      do: async <T>(name: string, config: EmulatedStepConfig, run: () => Promise<T>): Promise<T> => {
        if (instance.status === 'terminated') throw new NonRetryable('the instance was terminated');
        if (!isStepName(name)) {
          this.platform.violations.push(`step name "${name.slice(0, 80)}" is refused by the engine`);
          throw new NonRetryable(`Step name "${name}" exceeds max length (256 chars) or invalid characters found`);
        }
        counted(name);
        if (instance.results.has(name)) return instance.results.get(name) as T;
        const tries = 1 + (config.retries?.limit ?? 0);
        const timeout = config.timeout === undefined ? undefined : durationMs(config.timeout);
        for (let attempt = 1; ; attempt++) {
          try {
            const started = this.platform.now();
            const result = await this.platform.invoke('step', name, run, { instance: instance.meter });
            const took = this.platform.now() - started;
            if (timeout !== undefined && took > timeout) {
              this.platform.violations.push(`step "${name}" ran ${took} ms, past its ${timeout} ms timeout`);
              throw new Error(`step "${name}" timed out after ${timeout} ms`);
            }
            const size = new TextEncoder().encode(JSON.stringify(result ?? null)).byteLength;
            if (size > this.platform.limits.stepResultBytes) {
              this.platform.violations.push(
                `step "${name}" returned ${size} bytes > ${this.platform.limits.stepResultBytes}`,
              );
              throw new NonRetryable(`Step output for "${name}" is too large: ${size} bytes`);
            }
            instance.results.set(name, result);
            return result;
          } catch (error) {
            if (error instanceof NonRetryable || attempt >= tries) throw error;
            // The engine waits before the next try: on the injected clock here, not in real time.
            const wait = retryDelayMs(config.retries, attempt);
            instance.meter.retryDelaysMs.push(wait);
            this.platform.pass(wait);
          }
        }
      },
    };
    instance.done = this.platform
      .invoke('workflow', instance.id, () => this.runInstance(instance.id, step), { instance: instance.meter })
      .then(
        () => void (instance.status = instance.status === 'terminated' ? 'terminated' : 'complete'),
        () => void (instance.status = instance.status === 'terminated' ? 'terminated' : 'errored'),
      );
  }
}

class NonRetryable extends Error {}

/** A Workflows duration: milliseconds, or "<n> second(s)|minute(s)|hour(s)|day(s)". */
function durationMs(duration: string | number): number {
  if (typeof duration === 'number') return duration;
  const match = /^(\d+)\s*(second|minute|hour|day)s?$/.exec(duration.trim());
  if (!match) throw new Error(`not a Workflows duration: "${duration}"`);
  const unit = { second: 1000, minute: 60_000, hour: 3600_000, day: 86_400_000 }[match[2] as 'second'];
  return Number(match[1]) * unit;
}

/** The wait before try `attempt + 1`: the delay, grown as the backoff says (the engine's default: 1 s). */
function retryDelayMs(retries: EmulatedStepConfig['retries'], attempt: number): number {
  const delay = durationMs(retries?.delay ?? 1000);
  if (retries?.backoff === 'exponential') return delay * 2 ** (attempt - 1);
  if (retries?.backoff === 'linear') return delay * attempt;
  return delay;
}

// The Workflows engine's rules for instance ids and step names (Cloudflare's Workflows limits; the same
// checks as wrangler's local engine, which test/jobs/workflow-engine-contract.node.test.ts holds this to).
const INSTANCE_ID = /^[a-zA-Z0-9_][a-zA-Z0-9-_]*$/;
export const isWorkflowInstanceId = (id: string) => id.length <= 100 && INSTANCE_ID.test(id);
// eslint-disable-next-line no-control-regex
export const isStepName = (name: string) => name.length <= 256 && !/[\x00-\x1f]/.test(name);
