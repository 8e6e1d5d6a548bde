// Workers entry: wires the Cloudflare adapters (adapters/cloudflare/) to the app, the cron and the classes
// wrangler.toml names.

import { depsFromEnv, flushMetrics, type Env } from './adapters/cloudflare/deps.js';
import { isAppError } from './src/errors.js';
import { createApp } from './src/http/app.js';
import { describeConfigProblems, invalidConfigResponse } from './src/http/invalid-config.js';
import { reviveStaleJobs } from './src/ops/jobs/index.js';
import { dispatchScheduledSyncs } from './src/ops/sync/index.js';
import { retryDueEvents } from './src/ops/events/index.js';

export { depsFromEnv, type Env, WORKERS_DEFAULTS } from './adapters/cloudflare/deps.js';
export { FerryState } from './adapters/cloudflare/ferry-state.js';
export { FerryJobWorkflow, runWorkflowJob, type WorkflowStep } from './adapters/cloudflare/job-workflow.js';
export { workflowJobs, type WorkflowBinding } from './adapters/cloudflare/workflow-jobs.js';

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

// One app per isolate and config text; it holds no request state, only learned auth challenges.
let cached: { env: Env; configText: string | undefined; handler: Handler } | undefined;

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
      // npm start (FERRY_LOCAL_DEFAULT) prints them itself, once, as it refuses to start.
      if (!env.FERRY_LOCAL_DEFAULT) console.error(describeConfigProblems(error));
      handler = (request) => invalidConfigResponse(error, request);
    }
    cached = { env, configText: env.FERRY_CONFIG, handler };
  }
  return cached.handler;
}

export default {
  fetch(request: Request, env: Env, ctx: unknown): Response | Promise<Response> {
    const answer = appFor(env)(request, env, ctx);
    const waitUntil = (ctx as Partial<ExecutionContext> | undefined)?.waitUntil;
    // The counts go out once the answer is made (a streamed copy's later counts go with the next invocation's).
    if (env.FERRY_METRICS && waitUntil)
      waitUntil.call(
        ctx,
        Promise.resolve(answer).then(
          () => flushMetrics(env),
          () => flushMetrics(env),
        ),
      );
    return answer;
  },
  /** The minute trigger: wakes jobs whose runner went silent (jobs.staleAfterSeconds), and starts sync sets due. */
  scheduled(_controller: unknown, env: Env, ctx: ExecutionContext): void {
    const deps = depsFromEnv(env, (work) => ctx.waitUntil(work));
    ctx.waitUntil(reviveStaleJobs(deps).then((woken) => woken && deps.log.info('jobs: woke silent jobs', { woken })));
    ctx.waitUntil(dispatchScheduledSyncs(deps).then((n) => n && deps.log.info('sync: scheduled runs started', { n })));
    ctx.waitUntil(retryDueEvents(deps).then((n) => n && deps.log.info('events: deliveries retried', { n })));
    flushMetrics(env);
  },
};
