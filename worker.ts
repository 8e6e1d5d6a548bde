// Workers entry: turns bindings into Deps and serves the app.

import { parseConfig } from './src/config.js';
import { consoleLogger, realSleep, type Deps } from './src/deps.js';
import { createApp } from './src/http/app.js';
import { CloudflareKv, type KvNamespaceLike } from './src/kv/cloudflare.js';

export interface Env {
  FERRY_KV: KvNamespaceLike;
  /** The JSON configuration document (a var, or a secret when it holds credentials). */
  FERRY_CONFIG?: string;
  [secret: string]: unknown;
}

type App = ReturnType<typeof createApp>;

// An invocation may hold 6 connections; each blob copy holds 2 (source GET, target PUT).
const WORKERS_COPY_CONCURRENCY = 3;

// One app per isolate and config text; it holds no request state, only learned auth challenges.
let cached: { env: Env; configText: string | undefined; app: App } | undefined;

export function depsFromEnv(env: Env): Deps {
  const lookup = (name: string) => (typeof env[name] === 'string' ? (env[name] as string) : undefined);
  return {
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
};
