// Builds Ferry for a test: the real app over a KV for this runtime, with a fetch that records every request.

import { makeKv, makeState, schemaValidator, workersPlatform } from '@test-runtime';
import { checkDocumented, useSchemaValidation } from './documented-responses.js';
import { DEFAULT_COPY_CONCURRENCY, parseConfig } from '../../src/config/parse.js';
import type { Deps, FetchLike, Logger } from '../../src/deps.js';
import { createApp } from '../../src/http/app.js';
import type { KvStore } from '../../src/kv/store.js';
import type { StateStore } from '../../src/state/store.js';
import { InProcessJobs } from '../../entries/in-process-jobs.js';
import { watchPlatform } from './strict-watch.js';
import { StrictPlatform, type EmulatedWorkflows, type PlatformLimits } from './strict-platform.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface TestService {
  app: ReturnType<typeof createApp>;
  deps: Deps;
  requests: RecordedRequest[];
  logs: string[];
  /**
   * The hosted Workers rules around this service (strict-platform mode: the workerd project's default;
   * see strict-platform.ts). Absent on the Node project.
   */
  platform?: StrictPlatform;
  /** The emulated Workflows binding running this service's jobs, under `platform`. */
  workflows?: EmulatedWorkflows;
  /** Waits for work deferred past responses (cache writes), so a test sees what they wrote. */
  settle(): Promise<void>;
  /** GET a path on the app; JSON bodies are parsed. */
  get(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: any; bytes: Uint8Array }>;
}

/**
 * Passes loopback requests to the real fetch and refuses (and records) every other address, so a test
 * about a forbidden address cannot send anything off this machine even when the guard under test is broken.
 */
export function loopbackOnlyFetch(refused: string[]): FetchLike {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (/^127\.\d+\.\d+\.\d+$/.test(url.hostname) || url.hostname === 'localhost') return fetch(input, init);
    refused.push(url.toString());
    throw new Error(`test refused to send a request to ${url.host}`);
  };
}

/** A fetch that refuses everything: for cases where nothing may leave the machine. */
export const refusingFetch: FetchLike = async (input) => {
  throw new Error(`test refused to send a request to ${String(input instanceof Request ? input.url : input)}`);
};

/**
 * Without a `callers` section the service would refuse every request: tests that are not about callers
 * run with anonymous callers allowed, as `npm start` does on loopback.
 */
export function makeService(
  config: unknown,
  options: {
    fetch?: FetchLike;
    kv?: KvStore;
    state?: StateStore;
    secrets?: Record<string, string>;
    sleep?: (ms: number) => Promise<void>;
    jobs?: boolean;
    /** Strict-platform limits other than the documented Paid ones; `false` turns strict mode off. */
    platform?: Partial<PlatformLimits> | false;
  } = {},
): TestService {
  const doc = config as Record<string, unknown>;
  const withCallers =
    doc && typeof doc === 'object' && !('callers' in doc) ? { ...doc, callers: { anonymous: true } } : config;
  const requests: RecordedRequest[] = [];
  const logs: string[] = [];
  const underlying = options.fetch ?? ((input, init) => fetch(input, init));
  const recordingFetch: FetchLike = (input, init) => {
    const request = new Request(input, init);
    requests.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers) });
    return underlying(input, init);
  };
  const log: Logger = {
    info: (m, f) => logs.push(JSON.stringify({ m, ...f })),
    warn: (m, f) => logs.push(JSON.stringify({ m, ...f })),
    error: (m, f) => logs.push(JSON.stringify({ m, ...f })),
  };
  const deferred = new Set<Promise<unknown>>();
  // The platform reads the service's clock, which a test may replace (deps.now = ...).
  const platform =
    workersPlatform && options.platform !== false
      ? watchPlatform(new StrictPlatform(() => deps.now(), options.platform || {}))
      : undefined;
  const kv = options.kv ?? makeKv();
  const state = options.state ?? makeState();
  const deps: Deps = {
    kv: platform ? platform.kv(kv) : kv,
    state: platform ? platform.state(state) : state,
    defer: platform
      ? (work) => platform.defer(work)
      : (work) => {
          const held = work.catch(() => undefined).finally(() => deferred.delete(held));
          deferred.add(held);
        },
    fetch: platform ? platform.fetch(recordingFetch) : recordingFetch,
    config: parseConfig(withCallers, (name) => options.secrets?.[name], {
      copyConcurrency: DEFAULT_COPY_CONCURRENCY,
      ...(platform && workersPlatform ? { jobConcurrency: workersPlatform.jobConcurrency } : {}),
    }),
    now: () => Date.now(),
    sleep: options.sleep ?? (async () => {}),
    log,
  };
  let workflows: EmulatedWorkflows | undefined;
  if (options.jobs && platform && workersPlatform) {
    // As on Workers: jobs are Workflow instances, run by worker.ts's own code.
    const { workflowJobs, runWorkflowJob } = workersPlatform;
    workflows = platform.workflows((id, step) => runWorkflowJob(deps, id, step));
    deps.jobs = workflowJobs(workflows, () => deps);
  } else if (options.jobs) deps.jobs = new InProcessJobs(deps);
  const inner = createApp(deps);
  // Under the platform, each request is an invocation of its own; every answer is held against /openapi.json.
  const app = documented(platform ? servedBy(platform, inner) : inner);
  return {
    app,
    deps,
    requests,
    logs,
    ...(platform ? { platform } : {}),
    ...(workflows ? { workflows } : {}),
    async settle() {
      await platform?.settle();
      while (deferred.size) await Promise.all([...deferred]);
    },
    async get(path, headers = {}) {
      return send(app, path, headers);
    },
  };
}

if (schemaValidator) useSchemaValidation(schemaValidator);

/** The app, with each response checked against the published document (documented-responses.ts). */
function documented(app: ReturnType<typeof createApp>): ReturnType<typeof createApp> {
  const describe = (input: Request | string | URL, init?: RequestInit) =>
    input instanceof Request
      ? { method: input.method, url: input.url }
      : { method: init?.method ?? 'GET', url: new URL(String(input), 'http://localhost').toString() };
  return new Proxy(app, {
    get(target, property, receiver) {
      if (property === 'request') {
        return async (input: Request | string | URL, init?: RequestInit, ...rest: unknown[]) => {
          const response = await (target.request as (...args: unknown[]) => Promise<Response>)(input, init, ...rest);
          await checkDocumented(describe(input, init), response);
          return response;
        };
      }
      if (property === 'fetch') {
        return async (request: Request, ...rest: unknown[]) => {
          const response = await (target.fetch as (...args: unknown[]) => Promise<Response>)(request, ...rest);
          await checkDocumented({ method: request.method, url: request.url }, response);
          return response;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

function servedBy(platform: StrictPlatform, app: ReturnType<typeof createApp>): ReturnType<typeof createApp> {
  const request = (input: Request | string | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    return platform.serve(req, (r) => Promise.resolve(app.fetch(r)));
  };
  return new Proxy(app, {
    get(target, property, receiver) {
      if (property === 'request') return request;
      if (property === 'fetch')
        return (req: Request, env?: unknown, ctx?: unknown) =>
          platform.serve(req, (r) => Promise.resolve(target.fetch(r, env as never, ctx as never)));
      return Reflect.get(target, property, receiver);
    },
  });
}

async function send(app: ReturnType<typeof createApp>, path: string, headers: Record<string, string>) {
  const response = await app.request(path, { headers });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  const body =
    type.includes('json') && !type.includes('vnd.') ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
  return { status: response.status, headers: response.headers, body, bytes };
}

/** The owner of jobs a test creates directly: the anonymous local caller, who may read everything. */
export const ANONYMOUS_OWNER = { id: 'anonymous', readScope: ['**/**'] };
