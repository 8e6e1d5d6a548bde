// Workers entry: turns bindings into Deps and serves the app.

// @ts-expect-error -- 'cloudflare:workers' exists only inside workerd; the root tsconfig has no Workers types.
import { WorkflowEntrypoint } from 'cloudflare:workers';
import { parseConfig } from './src/config.js';
import { reviveStaleJobs } from './src/ops/jobs.js';
import { runJobInSteps } from './src/ops/job-steps.js';
import { consoleLogger, realSleep, type Deps, type JobQueue } from './src/deps.js';
import { createApp } from './src/http/app.js';
import { CloudflareKv, type KvNamespaceLike } from './src/kv/cloudflare.js';

interface WorkflowInstance {
  status(): Promise<{ status: string }>;
  restart(): Promise<void>;
  sendEvent(event: { type: string; payload: unknown }): Promise<void>;
}

interface WorkflowBinding {
  create(options: { id: string; params: { id: string } }): Promise<unknown>;
  get(id: string): Promise<WorkflowInstance>;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

export interface Env {
  FERRY_KV: KvNamespaceLike;
  /** Cloudflare Workflows binding that runs jobs durably. */
  FERRY_JOBS?: WorkflowBinding;
  /** The JSON configuration document (a var, or a secret when it holds credentials). */
  FERRY_CONFIG?: string;
  [secret: string]: unknown;
}

type App = ReturnType<typeof createApp>;

// An invocation may hold 6 connections; each blob copy holds 2 (source GET, target PUT).
const WORKERS_COPY_CONCURRENCY = 3;

// One app per isolate and config text; it holds no request state, only learned auth challenges.
let cached: { env: Env; configText: string | undefined; app: App } | undefined;

/** Jobs as Workflow instances, one per job id. */
function workflowJobs(workflows: WorkflowBinding): JobQueue {
  const create = async (id: string) => void (await workflows.create({ id, params: { id } }));
  return {
    enqueue: create,
    async wake(id) {
      let instance: WorkflowInstance;
      try {
        instance = await workflows.get(id);
      } catch {
        return create(id); // recorded, but the instance was never created
      }
      const { status } = await instance.status();
      if (status === 'paused') return; // paused on purpose, by someone with the dashboard or the API
      if (status === 'errored' || status === 'terminated' || status === 'complete') return instance.restart();
      // Queued or running by its status, yet silent. The hosted engine resumes instances by itself; the
      // local one (wrangler, Miniflare) resumes an instance whose host was killed only when it next hears
      // from it. An event it does not wait for is kept and ignored by an instance that is alive.
      await instance.sendEvent({ type: 'ferry-wake', payload: {} });
    },
  };
}

export function depsFromEnv(env: Env): Deps {
  const lookup = (name: string) => (typeof env[name] === 'string' ? (env[name] as string) : undefined);
  return {
    ...(env.FERRY_JOBS ? { jobs: workflowJobs(env.FERRY_JOBS) } : {}),
    kv: new CloudflareKv(env.FERRY_KV),
    fetch: (input, init) => fetch(input, init),
    config: parseConfig(env.FERRY_CONFIG ?? '{}', lookup, { copyConcurrency: WORKERS_COPY_CONCURRENCY }),
    now: () => Date.now(),
    sleep: realSleep,
    log: consoleLogger,
  };
}

function appFor(env: Env): App {
  if (!cached || cached.env !== env || cached.configText !== env.FERRY_CONFIG) {
    cached = { env, configText: env.FERRY_CONFIG, app: createApp(depsFromEnv(env)) };
  }
  return cached.app;
}

export default {
  fetch(request: Request, env: Env, ctx: unknown): Response | Promise<Response> {
    return appFor(env).fetch(request, env, ctx as never);
  },
  /** The cron trigger: wakes jobs whose runner went silent (see jobs.staleAfterSeconds). */
  scheduled(_controller: unknown, env: Env, ctx: ExecutionContext): void {
    const deps = depsFromEnv(env);
    ctx.waitUntil(reviveStaleJobs(deps).then((woken) => woken && deps.log.info('jobs: woke silent jobs', { woken })));
  },
};

// Every step: a few tries with backoff, and room for a large blob over a slow link.
const STEP_CONFIG = { retries: { limit: 3, delay: '10 seconds', backoff: 'exponential' }, timeout: '60 minutes' };

interface WorkflowStep {
  do<T>(name: string, config: unknown, run: () => Promise<T>): Promise<T>;
}

/**
 * One Workflow instance per job, in steps: each blob is a step of its own (retried, and never redone
 * once finished), then the job step pushes manifests and tags (src/ops/job-steps.ts).
 */
export class FerryJobWorkflow extends (WorkflowEntrypoint as new (...args: unknown[]) => { env: Env }) {
  async run(event: { payload: { id: string } }, step: WorkflowStep): Promise<void> {
    await runJobInSteps(depsFromEnv(this.env), event.payload.id, { do: (name, run) => step.do(name, STEP_CONFIG, run) });
  }
}
