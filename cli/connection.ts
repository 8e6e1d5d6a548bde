// Where the command line's requests go. Remote: a Ferry service (--server / FERRY_URL) with FERRY_TOKEN, or
// in a GitHub Actions job its OIDC token. Local: the same app in this process, as the local user (every
// grant), with the registries the references name: loopback ones over plain http, as Docker does,
// credentials found where skopeo finds them. One behaviour: both speak Ferry's HTTP API.

import events from 'node:events';
import { readFileSync } from 'node:fs';
import { DEFAULT_COPY_CONCURRENCY, parseConfig } from '../src/config/parse.js';
import { consoleLogger, detached, realSleep, type Deps, type Logger } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import { MemoryKv } from '../src/kv/memory.js';
import { normalizeRegistryHost } from '../src/reference.js';
import { MemoryState } from '../src/state/memory.js';
import { nodeFetch } from '../entries/node-fetch.js';
import { InProcessJobs } from '../entries/in-process-jobs.js';
import { authFiles, findCredentials } from './auth-files.js';
import { UsageError } from './usage.js';

type Env = (name: string) => string | undefined;

export interface Connection {
  mode: 'local' | 'remote';
  /** Remote mode without FERRY_TOKEN or a GitHub Actions token: a refusal says to set one. */
  tokenless?: boolean;
  /** Local mode: registries no credentials were found for, and the files searched (said when one refuses). */
  uncredentialed?: { host: string; searched: string[] }[];
  request(method: string, path: string, options?: { body?: unknown; accept?: string }): Promise<Response>;
}

export interface LocalRegistry {
  host: string;
  /** --src-tls-verify=false / --dest-tls-verify=false: plain http (or an unverified peer) for this one. */
  insecure: boolean;
  /** --src-creds / --dest-creds USERNAME:PASSWORD, as skopeo takes them. */
  creds?: string;
  /** --authfile / --src-authfile / --dest-authfile: the one auth file to read, in place of the search. */
  authfile?: string;
}

/** USERNAME:PASSWORD (the password may hold colons), as skopeo's --creds. */
function parseCreds(creds: string): { username: string; password: string } {
  const colon = creds.indexOf(':');
  if (colon <= 0 || colon === creds.length - 1)
    throw new UsageError('--src-creds / --dest-creds: expected USERNAME:PASSWORD');
  return { username: creds.slice(0, colon), password: creds.slice(colon + 1) };
}

const isLoopback = (host: string) => /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/.test(host);

/** --config FILE or FERRY_CONFIG (a path, or the JSON itself), else nothing. */
export function readConfigDocument(file: string | undefined, env: Env): Record<string, unknown> | undefined {
  const given = file ?? env('FERRY_CONFIG');
  if (!given) return undefined;
  const text = given.trim().startsWith('{') ? given : readText(given);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UsageError(`${file ? '--config' : 'FERRY_CONFIG'}: not valid JSON`);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** The configuration the local user runs with: their file's registries, then what the references need. */
export function localConfig(
  document: Record<string, unknown> | undefined,
  registries: LocalRegistry[],
  env: Env,
  uncredentialed: { host: string; searched: string[] }[] = [],
): Record<string, unknown> {
  const configured = (document?.registries ?? {}) as Record<string, Record<string, unknown>>;
  const known = new Set(Object.keys(configured).map((h) => normalizeRegistryHost(h.toLowerCase())));
  const added: Record<string, Record<string, unknown>> = {};
  for (const { host, insecure, creds, authfile } of registries) {
    if (known.has(host) || added[host]) continue;
    const searched = authfile ? [authfile] : authFiles(env);
    const found = creds ? undefined : findCredentials(host, env, searched);
    const credentials = creds
      ? parseCreds(creds)
      : found
        ? found.identityToken
          ? { identityToken: found.identityToken }
          : { username: found.username, password: found.password }
        : undefined;
    if (!credentials) uncredentialed.push({ host, searched });
    added[host] = {
      ...(insecure || isLoopback(host) ? { insecure: true } : {}),
      ...(credentials ? { credentials } : {}),
    };
  }
  const { callers: _callers, ...rest } = document ?? {};
  return {
    ...rest,
    allowPublicRegistries: true,
    registries: { ...added, ...configured },
    callers: { anonymous: true },
  };
}

const LOCAL_JOB_CONCURRENCY = { total: 8, perTenant: 8, perRegistry: 4 };

export function localConnection(
  document: Record<string, unknown> | undefined,
  registries: LocalRegistry[],
  env: Env,
): Connection {
  // One user's process: fairness between tenants is moot, so a tenant may use every job slot (a sync set's
  // repositories run as many at once as each registry allows).
  const uncredentialed: { host: string; searched: string[] }[] = [];
  const config = parseConfig(localConfig(document, registries, env, uncredentialed), env, {
    copyConcurrency: DEFAULT_COPY_CONCURRENCY,
    jobConcurrency: LOCAL_JOB_CONCURRENCY,
  });
  const deps: Deps = {
    kv: new MemoryKv(),
    state: new MemoryState(),
    defer: detached,
    fetch: nodeFetch,
    config,
    now: () => Date.now(),
    sleep: realSleep,
    log: env('FERRY_DEBUG') ? consoleLogger : quietLogger,
  };
  // A job's one signal watches each of its requests in flight (mounts and blobs in pools, tags eight at a
  // time): more than Node's default of 10 listeners is how it works, not a leak.
  events.defaultMaxListeners = Math.max(events.defaultMaxListeners, 100);
  // A sync set's copies are jobs: here they run in this process, and end with it.
  deps.jobs = new InProcessJobs(deps);
  const app = createApp(deps);
  return {
    mode: 'local',
    uncredentialed,
    request: async (method, path, options = {}) => app.request(`http://localhost${path}`, init(method, options)),
  };
}

function init(method: string, options: { body?: unknown; accept?: string }, token?: string): RequestInit {
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  return { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) };
}

/**
 * FERRY_TOKEN; else, inside a GitHub Actions job granted `id-token: write`, the job's OIDC token for the
 * audience (--audience / FERRY_AUDIENCE, default "ferry"); else none.
 */
export async function remoteToken(env: Env, audience: string | undefined): Promise<string | undefined> {
  const token = env('FERRY_TOKEN');
  if (token) return token;
  const url = env('ACTIONS_ID_TOKEN_REQUEST_URL');
  const bearer = env('ACTIONS_ID_TOKEN_REQUEST_TOKEN');
  if (!url || !bearer) return undefined;
  const request = new URL(url);
  request.searchParams.set('audience', audience ?? env('FERRY_AUDIENCE') ?? 'ferry');
  const response = await fetch(request, { headers: { authorization: `bearer ${bearer}`, accept: 'application/json' } });
  if (!response.ok)
    throw new Error(
      `GitHub Actions did not give an OIDC token (${response.status}): is "id-token: write" granted to the job?`,
    );
  const value = ((await response.json()) as { value?: unknown }).value;
  if (typeof value !== 'string') throw new Error('GitHub Actions answered without an OIDC token');
  return value;
}

export function remoteConnection(server: string, token: string | undefined): Connection {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new UsageError(`--server: "${server}" is not a URL`);
  }
  const root = base.toString().replace(/\/+$/, '');
  return {
    mode: 'remote',
    ...(token ? {} : { tokenless: true }),
    request: async (method, path, options = {}) => {
      try {
        return await fetch(`${root}${path}`, init(method, options, token));
      } catch (error) {
        throw new Error(`cannot reach the Ferry service at ${root}: ${unreachable(error)}`);
      }
    },
  };
}

/** Why fetch failed, in words: Node's "fetch failed" names nothing; its cause does. */
function unreachable(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'no such host';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'the connection timed out';
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
