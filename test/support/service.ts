// Builds Ferry for a test: the real app over a KV for this runtime, with a fetch that records every request.

import { makeKv, makeState } from '@test-runtime';
import { parseConfig } from '../../src/config.js';
import type { Deps, FetchLike, Logger } from '../../src/deps.js';
import { createApp } from '../../src/http/app.js';
import type { KvStore } from '../../src/kv/store.js';
import type { StateStore } from '../../src/state/store.js';
import { InProcessJobs } from '../../src/ops/jobs.js';

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
  /** Waits for work deferred past responses (cache writes), so a test sees what they wrote. */
  settle(): Promise<void>;
  /** GET a path on the app; JSON bodies are parsed. */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any; bytes: Uint8Array }>;
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
  options: { fetch?: FetchLike; kv?: KvStore; state?: StateStore; secrets?: Record<string, string>; sleep?: (ms: number) => Promise<void>; jobs?: boolean } = {},
): TestService {
  const doc = config as Record<string, unknown>;
  const withCallers = doc && typeof doc === 'object' && !('callers' in doc) ? { ...doc, callers: { anonymous: true } } : config;
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
  const deps: Deps = {
    kv: options.kv ?? makeKv(),
    state: options.state ?? makeState(),
    defer: (work) => {
      const held = work.catch(() => undefined).finally(() => deferred.delete(held));
      deferred.add(held);
    },
    fetch: recordingFetch,
    config: parseConfig(withCallers, (name) => options.secrets?.[name]),
    now: () => Date.now(),
    sleep: options.sleep ?? (async () => {}),
    log,
  };
  if (options.jobs) deps.jobs = new InProcessJobs(deps);
  const app = createApp(deps);
  return {
    app,
    deps,
    requests,
    logs,
    async settle() {
      while (deferred.size) await Promise.all([...deferred]);
    },
    async get(path, headers = {}) {
      return send(app, path, headers);
    },
  };
}

async function send(app: ReturnType<typeof createApp>, path: string, headers: Record<string, string>) {
  const response = await app.request(path, { headers });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') && !type.includes('vnd.') ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
  return { status: response.status, headers: response.headers, body, bytes };
}
