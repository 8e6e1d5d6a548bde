// What a runtime provides to the core: storage, network, configuration, clock and logging.

import type { FerryConfig } from './config/parse.js';
import type { KvStore } from './kv/store.js';
import type { StateStore } from './state/store.js';
import type { Metrics } from './metrics/index.js';
import type { TraceContext } from './registry/trace-context.js';

import type { FetchLike, LogFields, Logger } from './registry/options.js';

export type { FetchLike, LogFields, Logger } from './registry/options.js';

/**
 * Runs jobs outside the request that created them (`wait: false`, webhooks); absent where nothing durable runs them.
 */
export interface JobQueue {
  /** Resolves once the job is handed over (a Workflow instance created, or queued in process). */
  enqueue(id: string): Promise<void> | void;
  /** Runs again a job whose runner stopped (a crash, a killed host); does nothing to one that runs. */
  wake(id: string): Promise<void> | void;
  /**
   * Stops a job's run (its record already says cancelled): a Workflow instance terminated, an in-process run aborted.
   */
  cancel(id: string): Promise<void> | void;
  /**
   * Tells a waiting job that something it waits for happened (a Workflow instance's event). Absent where
   * jobs run whole in process and nothing waits.
   */
  notify?(id: string, type: string): Promise<void> | void;
}

/**
 * An HTTP cache at the edge (the Workers Cache API, in the data center that serves the request): answers
 * kept by URL, for as long as their Cache-Control says. It does nothing on *.workers.dev or behind Access,
 * so whatever uses it keeps its KV cache too. Absent elsewhere. Best-effort, like KV.
 */
export interface EdgeCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

export interface Deps {
  jobs?: JobQueue;
  edgeCache?: EdgeCache;
  /** Caches only: eventually consistent, one write per second per key on Workers. Writes are best-effort. */
  kv: KvStore;
  /** Coordination state (jobs, uploads, token single-flight): consistent, atomic. */
  state: StateStore;
  /**
   * Keeps `work` alive after the response where the runtime would cut it (Workers: the invocation's
   * waitUntil). The work must catch its own errors.
   */
  defer: (work: Promise<unknown>) => void;
  fetch: FetchLike;
  /**
   * The runtime's name lookup, where it has one (Node, Deno, Bun; not Workers): hosts reached only because
   * they are public are refused when they resolve to private addresses.
   */
  resolveHost?: (hostname: string) => Promise<string[]>;
  /** Aborts the registry requests made with these deps at once (a job's cancel). */
  signal?: AbortSignal;
  /** The W3C trace this work belongs to: its upstream requests carry it (traceparent), its log lines name it. */
  trace?: TraceContext;
  /** Notes every host the registry requests made with these deps reached (a copy's audit record). */
  hostsReached?: Set<string>;
  /** Counts the registry requests made with these deps (a sync run's, a job's). */
  requestsMade?: { count: number };
  /**
   * A registry's hold (Retry-After, a pull reserve) longer than this is refused as registryHeld, not slept
   * through: a Workflow step may run an hour, so its job sleeps between steps instead.
   */
  maxRegistryWaitMs?: number;
  /** What stopped a request that got no answer, where the runtime's error does not say (adapters). */
  explainNetworkFailure?(url: URL): Promise<string | undefined>;
  config: FerryConfig;
  /**
   * Counters kept for this process (Node, Deno, Bun: read at GET /metrics) or isolate (Workers: flushed to
   * Analytics Engine after each invocation). Absent: nothing is counted (the command line).
   */
  metrics?: Metrics;
  /** GET /metrics answers with `metrics` in Prometheus's format (not on Workers, whose isolates count apart). */
  exposeMetrics?: boolean;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
}

export const consoleLogger: Logger = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

/** A logger whose every line carries `fields` too (a request's or a job's ids). */
export function withLogFields(log: Logger, fields: LogFields): Logger {
  return {
    info: (message, more) => log.info(message, { ...fields, ...more }),
    warn: (message, more) => log.warn(message, { ...fields, ...more }),
    error: (message, more) => log.error(message, { ...fields, ...more }),
  };
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `defer` where a process outlives its responses (Node, Deno, Bun): the work simply goes on. */
export const detached = (work: Promise<unknown>): void => void work.catch(() => undefined);
