// What the Node, Deno and Bun entries share: the local default configuration and building Deps from it.

import { DEFAULT_COPY_CONCURRENCY, parseConfig } from '../src/config/parse.js';
import { describeCallers } from '../src/config/callers.js';
import { LOCAL_DEFAULT_CONFIG } from '../src/config/local-default.js';
import { consoleLogger, detached, realSleep, type Deps, type FetchLike } from '../src/deps.js';
import { isLoopbackHostname } from '../src/http/anonymous-guard.js';
import { createApp } from '../src/http/app.js';
import type { KvStore } from '../src/kv/store.js';
import { Metrics } from '../src/metrics/index.js';
import type { StateStore } from '../src/state/store.js';
import { PURGE_BATCH, type SqlState } from '../src/state/sql.js';
import { InProcessJobs } from './in-process-jobs.js';
import { dispatchScheduledSyncs } from '../src/ops/sync/index.js';
import { retryDueEvents } from '../src/ops/events/index.js';
import { lookup } from 'node:dns/promises';
import events from 'node:events';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { isAppError } from '../src/errors.js';
import { describeConfigProblems } from '../src/http/invalid-config.js';

/** The system's name lookup (hosts file and DNS), as Node, Deno and Bun all provide it through node:dns. */
export async function resolveHost(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
}

/** Says why and stops: a server that cannot serve must not claim to listen. */
function refuseToStart(message: string): never {
  console.error(message);
  process.exit(2);
}

/** FERRY_CONFIG, else the file FERRY_CONFIG_FILE names, else undefined (the local default). */
export function configText(env: (name: string) => string | undefined): string | undefined {
  const inline = env('FERRY_CONFIG');
  if (inline !== undefined) return inline;
  const file = env('FERRY_CONFIG_FILE');
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return refuseToStart(
      `FERRY_CONFIG_FILE: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export interface EntryOptions {
  runtime: string;
  /** The address the server binds: anonymous callers are refused beyond loopback unless acknowledged. */
  hostname: string;
  kv: KvStore;
  state: StateStore;
  env: (name: string) => string | undefined;
  /** The runtime's fetch, when its own does better than the global one (Node: backpressure on uploads). */
  fetch?: FetchLike;
}

export function buildApp({ runtime, hostname, kv, state, env, fetch: runtimeFetch }: EntryOptions) {
  const text = configText(env);
  let config;
  try {
    config = parseConfig(text ?? LOCAL_DEFAULT_CONFIG, env, { copyConcurrency: DEFAULT_COPY_CONCURRENCY, local: true });
  } catch (error) {
    if (isAppError(error) && error.code === 'INVALID_CONFIG') refuseToStart(describeConfigProblems(error));
    throw error;
  }
  const deps: Deps = {
    kv,
    state,
    defer: detached,
    fetch: runtimeFetch ?? ((input, init) => fetch(input, init)),
    resolveHost,
    config,
    now: () => Date.now(),
    sleep: realSleep,
    log: consoleLogger,
    metrics: new Metrics(),
    exposeMetrics: true,
  };
  const callers = deps.config.callers;
  if (callers.anonymous && !callers.anonymousBeyondLoopback && !isLoopbackHostname(hostname)) {
    refuseToStart(
      `refusing to start: anonymous callers (every grant) on ${hostname}, which is not a loopback address. Bind to ` +
        `127.0.0.1, configure callers, or set callers.anonymousBeyondLoopback.`,
    );
  }
  // A job's one signal watches each of its requests in flight (mounts and blobs in pools, tags eight at a
  // time): more than Node's default of 10 listeners is how it works, not a leak.
  events.defaultMaxListeners = Math.max(events.defaultMaxListeners, 100);
  // Jobs ("wait": false) run in this process; the ones a previous process left unfinished resume at start.
  const jobs = new InProcessJobs(deps);
  deps.jobs = jobs;
  return {
    app: createApp(deps),
    deps,
    announce: (url: string) => {
      announce(
        runtime,
        url,
        deps,
        text === undefined
          ? 'local default'
          : env('FERRY_CONFIG') !== undefined
            ? 'FERRY_CONFIG'
            : `FERRY_CONFIG_FILE ${env('FERRY_CONFIG_FILE')}`,
      );
      void jobs.resumePending().then((n) => n && console.log(`jobs: resumed ${n} unfinished job(s)`));
      dispatchSchedulesEveryTick(deps, env);
    },
  };
}

function announce(runtime: string, url: string, deps: Deps, source: string): void {
  console.log(`ferry listening on ${url} (${runtime}; config: ${source})`);
  const callers = deps.config.callers;
  const warning = callers.anonymous ? ': do not expose this service beyond this machine' : '';
  console.log(`callers: ${describeCallers(callers)}${warning}`);
  if (source === 'local default')
    console.log(
      'try it: npm run demo (a second terminal) serves 127.0.0.1:5000 with team/app:v1 (README: Quick start)',
    );
}

/**
 * The clock of sync sets' schedules, as Workers' minute trigger is: every minute, or every FERRY_CRON_SECONDS
 * (tests lower it). A tick still running when the next comes makes that one wait.
 */
export function dispatchSchedulesEveryTick(deps: Deps, env: (name: string) => string | undefined): void {
  const seconds = Number(env('FERRY_CRON_SECONDS') ?? 60);
  let ticking: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      ticking = ticking
        .then(() => dispatchScheduledSyncs(deps))
        .then(() => retryDueEvents(deps))
        .catch((error: unknown) =>
          deps.log.error('sync: the schedule clock failed', {
            reason: error instanceof Error ? error.message : 'unknown',
          }),
        );
    },
    Math.max(1, Number.isFinite(seconds) ? seconds : 60) * 1000,
  );
  (timer as { unref?: () => void }).unref?.();
}

/**
 * Expired state rows are purged each minute, at most ten batches, off every request's path (on Workers the
 * state object's alarm does it). A busy database is left for the next minute.
 */
export function purgeExpiredEveryMinute(state: SqlState): void {
  const timer = setInterval(() => {
    try {
      for (let batch = 0; batch < 10 && state.purgeExpired() === PURGE_BATCH; batch++);
    } catch {
      // another process holds the file: the rows stay absent to readers, and are purged later
    }
  }, 60_000);
  (timer as { unref?: () => void }).unref?.();
}
