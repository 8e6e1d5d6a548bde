// What the Workers runtime provides, as Deps: its bindings (KV, the FerryState Durable Objects, the
// Workflows binding) and its configuration.

import { explainNetworkFailure } from './connect-probe.js';
import { LOCAL_DEFAULT_CONFIG } from '../../src/config/local-default.js';
import { parseConfig, type RuntimeDefaults } from '../../src/config/parse.js';
import { consoleLogger, realSleep, type Deps } from '../../src/deps.js';
import { CloudflareKv, type KvNamespaceLike } from '../../src/kv/cloudflare.js';
import { DurableObjectState, type StateNamespaceLike } from '../../src/state/durable-objects.js';
import { workflowJobs, type WorkflowBinding } from './workflow-jobs.js';
import { workersEdgeCache } from './edge-cache.js';
import { Metrics, writeDataPoints, type AnalyticsEngineDataset } from '../../src/metrics/index.js';

// One isolate's counts, whatever its invocations (requests, the cron, Workflow steps); each invocation sends
// what moved since the last one sent (flushMetrics).
const isolateMetrics = new Metrics();

/** Sends to Analytics Engine what this isolate counted since the last send; nothing without the binding. */
export function flushMetrics(env: Env): void {
  if (env.FERRY_METRICS) writeDataPoints(isolateMetrics, env.FERRY_METRICS);
}

export interface Env {
  FERRY_KV: KvNamespaceLike;
  /** FerryState Durable Objects: jobs, uploads, token single-flight (src/state/durable-objects.ts). */
  FERRY_STATE: StateNamespaceLike;
  /** Cloudflare Workflows binding that runs jobs durably. */
  FERRY_JOBS?: WorkflowBinding;
  /** The JSON configuration document (a var, or a secret when it holds credentials). */
  FERRY_CONFIG?: string;
  /** Set by `npm start` only ("loopback"): without FERRY_CONFIG, use the local default instead of no callers. */
  FERRY_LOCAL_DEFAULT?: string;
  /** Workers Analytics Engine dataset the counters go to (docs/metrics.md); none: they are kept, not sent. */
  FERRY_METRICS?: AnalyticsEngineDataset;
  [secret: string]: unknown;
}

/**
 * An invocation may hold 6 connections and each blob copy holds 2 (source GET, target PUT): 3 copies. Jobs
 * are instances of their own, not a process's share: a tenant may run 25 at once (a 2,500-tag sync in 25
 * batches), a registry 50 (docs/capacity.md's 50 copies in flight), so two tenants always fit in one.
 */
export const WORKERS_DEFAULTS: RuntimeDefaults = {
  copyConcurrency: 3,
  jobConcurrency: { total: 10_000, perTenant: 25, perRegistry: 50 },
};

/** FERRY_CONFIG; else the local default under `npm start`; else nothing (a deployed worker refuses every caller). */
function configDocument(env: Env): unknown {
  if (env.FERRY_CONFIG !== undefined) return env.FERRY_CONFIG;
  return env.FERRY_LOCAL_DEFAULT === 'loopback' ? LOCAL_DEFAULT_CONFIG : {};
}

export function depsFromEnv(env: Env, waitUntil?: (work: Promise<unknown>) => void): Deps {
  const lookup = (name: string) => (typeof env[name] === 'string' ? (env[name] as string) : undefined);
  const deps: Deps = {
    kv: new CloudflareKv(env.FERRY_KV),
    state: new DurableObjectState(env.FERRY_STATE),
    // Requests get their own waitUntil (src/http/app.ts); outside one, the work goes on while the invocation does.
    defer: waitUntil ?? ((work) => void work.catch(() => undefined)),
    fetch: (input, init) => fetch(input, init),
    // Under npm start (a local run) a configuration nobody may call is refused; a deployed worker stays closed.
    config: parseConfig(configDocument(env), lookup, {
      ...WORKERS_DEFAULTS,
      local: env.FERRY_LOCAL_DEFAULT === 'loopback',
    }),
    now: () => Date.now(),
    sleep: realSleep,
    log: consoleLogger,
    metrics: isolateMetrics,
    explainNetworkFailure,
  };
  if (env.FERRY_JOBS) deps.jobs = workflowJobs(env.FERRY_JOBS, () => deps);
  const edgeCache = workersEdgeCache();
  if (edgeCache) deps.edgeCache = edgeCache;
  return deps;
}
