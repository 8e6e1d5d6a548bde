// Workers entry: turns bindings into Deps and serves the app.

// @ts-expect-error -- 'cloudflare:workers' exists only inside workerd; the root tsconfig has no Workers types.
import { DurableObject, WorkflowEntrypoint } from 'cloudflare:workers';
import { parseConfig } from './src/config/parse.js';
import { LOCAL_DEFAULT_CONFIG } from './src/config/local-default.js';
import { failJob, reviveStaleJobs, runJobInSteps } from './src/ops/jobs/index.js';
import { consoleLogger, realSleep, type Deps, type JobQueue } from './src/deps.js';
import { isAppError } from './src/errors.js';
import { createApp } from './src/http/app.js';
import { describeConfigProblems, invalidConfigResponse } from './src/http/invalid-config.js';
import { CloudflareKv, type KvNamespaceLike } from './src/kv/cloudflare.js';
import { DurableObjectState, type StateNamespaceLike } from './src/state/durable-objects.js';
import { SqlState, type SqlRunner } from './src/state/sql.js';
import type { StateListOptions, StateWriteOptions } from './src/state/store.js';

interface WorkflowInstance {
  status(): Promise<{ status: string }>;
  restart(): Promise<void>;
  terminate(): Promise<void>;
  sendEvent(event: { type: string; payload: unknown }): Promise<void>;
}

export interface WorkflowBinding {
  create(options: { id: string; params: { id: string } }): Promise<unknown>;
  get(id: string): Promise<WorkflowInstance>;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
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
  [secret: string]: unknown;
}

// An invocation may hold 6 connections; each blob copy holds 2 (source GET, target PUT).
const WORKERS_COPY_CONCURRENCY = 3;

// One app per isolate and config text; it holds no request state, only learned auth challenges.
let cached: { env: Env; configText: string | undefined; handler: Handler } | undefined;

/**
 * Jobs as Workflow instances, one per job id. The state store decided already that this job exists once
 * (create-if-absent), so an instance that already exists is success, not an error.
 */
export function workflowJobs(workflows: WorkflowBinding, deps: () => Deps): JobQueue {
  const create = async (id: string) => {
    try {
      await workflows.create({ id, params: { id } });
    } catch (error) {
      if (!/already exists/i.test(error instanceof Error ? error.message : String(error))) throw error;
    }
  };
  return {
    enqueue: create,
    async cancel(id) {
      const instance = await workflows.get(id).catch(() => undefined);
      await instance?.terminate();
    },
    async wake(id) {
      let instance: WorkflowInstance;
      try {
        instance = await workflows.get(id);
      } catch {
        return create(id); // recorded, but the instance was never created
      }
      const { status } = await instance.status();
      if (status === 'paused') return; // paused on purpose, by someone with the dashboard or the API
      if (status === 'complete') {
        // A finished run never runs again; if it left its job unfinished, that job failed.
        await failJob(deps(), id, { code: 'INTERNAL', message: 'the job run ended without recording its result' });
        return;
      }
      if (status === 'errored' || status === 'terminated') return instance.restart();
      // Queued or running by its status, yet silent. The hosted engine resumes instances by itself; the
      // local one (wrangler, Miniflare) resumes an instance whose host was killed only when it next hears
      // from it. An event it does not wait for is kept and ignored by an instance that is alive.
      await instance.sendEvent({ type: 'ferry-wake', payload: {} });
    },
  };
}

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
    config: parseConfig(configDocument(env), lookup, { copyConcurrency: WORKERS_COPY_CONCURRENCY }),
    now: () => Date.now(),
    sleep: realSleep,
    log: consoleLogger,
  };
  if (env.FERRY_JOBS) deps.jobs = workflowJobs(env.FERRY_JOBS, () => deps);
  return deps;
}

type Handler = (request: Request, env: Env, ctx: unknown) => Response | Promise<Response>;

/** The app for this config text; an invalid configuration answers every request with its problems. */
function appFor(env: Env): Handler {
  if (!cached || cached.env !== env || cached.configText !== env.FERRY_CONFIG) {
    let handler: Handler;
    try {
      const app = createApp(depsFromEnv(env));
      handler = (request, e, ctx) => app.fetch(request, e, ctx as never);
    } catch (error) {
      if (!(isAppError(error) && error.code === 'INVALID_CONFIG')) throw error;
      console.error(describeConfigProblems(error));
      handler = (request) => invalidConfigResponse(error, request);
    }
    cached = { env, configText: env.FERRY_CONFIG, handler };
  }
  return cached.handler;
}

export default {
  fetch(request: Request, env: Env, ctx: unknown): Response | Promise<Response> {
    return appFor(env)(request, env, ctx);
  },
  /** The cron trigger: wakes jobs whose runner went silent (see jobs.staleAfterSeconds). */
  scheduled(_controller: unknown, env: Env, ctx: ExecutionContext): void {
    const deps = depsFromEnv(env, (work) => ctx.waitUntil(work));
    ctx.waitUntil(reviveStaleJobs(deps).then((woken) => woken && deps.log.info('jobs: woke silent jobs', { woken })));
  },
};

// Every step: a few tries with backoff, and room for a large blob over a slow link.
const STEP_CONFIG = { retries: { limit: 3, delay: '10 seconds', backoff: 'exponential' }, timeout: '60 minutes' };

export interface WorkflowStep {
  do<T>(name: string, config: unknown, run: () => Promise<T>): Promise<T>;
  sleep(name: string, duration: number): Promise<void>;
}

/**
 * One Workflow instance per job, in steps: each blob is a step of its own (retried, and never redone
 * once finished), then the job step pushes manifests and tags (src/ops/job-steps.ts).
 */
export class FerryJobWorkflow extends (WorkflowEntrypoint as new (...args: unknown[]) => { env: Env }) {
  async run(event: { payload: { id: string } }, step: WorkflowStep): Promise<void> {
    await runWorkflowJob(depsFromEnv(this.env), event.payload.id, step);
  }
}

/**
 * A job's Workflow run. It ends `failed` or done, never errored, so no sweep restarts what fails the same way again.
 */
export async function runWorkflowJob(deps: Deps, id: string, step: WorkflowStep): Promise<void> {
  try {
    await runJobInSteps(deps, id, {
      do: (name, run) => step.do(name, STEP_CONFIG, run),
      sleep: (name, ms) => step.sleep(name, ms),
    });
  } catch (error) {
    // Steps retried already: what reaches here fails the same way again (a step result over its limit,
    // a step that kept failing). The job ends failed and the instance completes, so nothing restarts it.
    const code = isAppError(error) ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message.slice(0, 500) : 'the job run failed';
    deps.log.error('job run failed', { id, code, message });
    await failJob(deps, id, { code, message });
  }
}

/** The FerryState Durable Object: a StateStore over its own SQLite storage, called by RPC. */
export class FerryState extends (DurableObject as new (ctx: unknown, env: unknown) => object) {
  readonly #store: SqlState;

  constructor(ctx: { storage: { sql: SqlStorageLike } }, env: unknown) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    const runner: SqlRunner = {
      all: (query, ...params) => sql.exec(query, ...params).toArray(),
      run: (query, ...params) => {
        sql.exec(query, ...params).toArray();
        return Number(sql.exec('SELECT changes() AS n').one().n);
      },
    };
    this.#store = new SqlState(runner);
  }

  get(key: string) {
    return this.#store.get(key);
  }
  create(key: string, value: string, options?: StateWriteOptions) {
    return this.#store.create(key, value, options);
  }
  update(key: string, version: number, value: string, options?: StateWriteOptions) {
    return this.#store.update(key, version, value, options);
  }
  delete(key: string) {
    return this.#store.delete(key);
  }
  list(prefix: string, options?: StateListOptions) {
    return this.#store.list(prefix, options);
  }
}

interface SqlStorageLike {
  exec(query: string, ...params: unknown[]): { toArray(): Record<string, unknown>[]; one(): Record<string, unknown> };
}
