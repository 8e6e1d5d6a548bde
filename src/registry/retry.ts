// Sends one HTTP request, retrying idempotent ones on 408/429/5xx and network errors with jittered backoff.

import type { RegistryIo, UpstreamAnswer } from './options.js';
import { AppError } from '../errors.js';
import { discardBody } from './body.js';
import { parseRateLimit } from './rate-limit.js';
import { DEFAULT_DEADLINES, fetchWithin } from './deadlines.js';

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
// Five tries span a few seconds: enough for a blip, short enough for an HTTP caller waiting on us.
export const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 250;
// A host that let a whole deadline pass is tried once more, not four times: a caller is waiting.
const MAX_TIMEOUTS = 1;
const MAX_BACKOFF_MS = 4000;
// A Retry-After longer than this is not worth holding a request open for.
const MAX_RETRY_AFTER_MS = 30_000;

export type RetryDeps = Pick<RegistryIo, 'fetch' | 'sleep' | 'now' | 'deadlines' | 'explainNetworkFailure'> & {
  gate?: BackoffGate;
  /** A hold at the gate longer than this is refused (registryHeld), not slept through. */
  maxWaitMs?: number | undefined;
  /** The registry's pullReserve: an answer announcing no more pulls than this closes the gate for the window. */
  pullReserve?: number;
  /** Aborts the request at once, wherever it is (a cancelled job). */
  signal?: AbortSignal | undefined;
  /** Told of every attempt's answer (or its failure): the metrics of upstream requests. */
  onAnswer?: (answer: UpstreamAnswer) => void;
};

/**
 * One backoff state per registry host, shared by every transfer to it: when the host says "slow down"
 * (429/503, Retry-After), every request to it waits, not only the one that was told. The service may
 * share it further (src/ops/registries/backoff-gate.ts: across isolates and processes, through the state store).
 */
export interface BackoffGate {
  wait(deps: GateWaitDeps): Promise<void>;
  holdUntil(time: number): void;
}

/** How a wait at the gate is made; `maxWaitMs`: a longer hold is refused (registryHeld), not slept through. */
export type GateWaitDeps = Pick<RegistryIo, 'sleep' | 'now'> & { maxWaitMs?: number | undefined };

/** The gate of one process: a time before which nothing is sent. */
export class HostGate implements BackoffGate {
  #notBefore = 0;

  async wait(deps: GateWaitDeps): Promise<void> {
    const ms = this.#notBefore - deps.now();
    if (ms > 0 && deps.maxWaitMs !== undefined && ms > deps.maxWaitMs) throw registryHeld(this.#notBefore);
    if (ms > 0) await deps.sleep(ms);
  }

  holdUntil(time: number): void {
    this.#notBefore = Math.max(this.#notBefore, time);
  }
}

/**
 * A registry held longer than its caller may wait (a Workflow step, which may run an hour): the caller
 * sleeps by other means until `until` (epoch ms) and tries again.
 */
export function registryHeld(until: number): AppError {
  return new AppError(
    'UPSTREAM_RATE_LIMITED',
    `the registry asked to wait until ${new Date(until).toISOString()} (its Retry-After, or the pull reserve)`,
    { details: { heldUntil: until } },
  );
}

/** When the registry that refused this way (registryHeld) may be asked again; undefined for any other error. */
export function heldUntil(error: unknown): number | undefined {
  const until = error instanceof AppError ? error.details?.heldUntil : undefined;
  return typeof until === 'number' ? until : undefined;
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoff(attempt: number): number {
  return Math.random() * Math.min(MAX_BACKOFF_MS, BASE_DELAY_MS * 2 ** attempt);
}

/** Describes a URL for errors and logs without its query (which may carry upload state). */
export function describeUrl(url: string | URL): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** `native`: a blob download's body, left to the runtime (see fetchWithin). */
export async function fetchWithRetry(
  deps: RetryDeps,
  url: URL,
  init: RequestInit,
  idempotent: boolean,
  native = false,
): Promise<Response> {
  const deadlines = deps.deadlines ?? DEFAULT_DEADLINES;
  let timeouts = 0;
  for (let attempt = 0; ; attempt++) {
    const last = !idempotent || attempt === MAX_ATTEMPTS - 1 || timeouts === MAX_TIMEOUTS;
    let response: Response;
    await deps.gate?.wait(deps);
    const started = deps.now();
    const heard = (answer: Omit<UpstreamAnswer, 'seconds' | 'retry'>) =>
      deps.onAnswer?.({ ...answer, seconds: (deps.now() - started) / 1000, retry: attempt > 0 });
    try {
      response = await fetchWithin(deps.fetch, url, init, deadlines, { signal: deps.signal, native });
    } catch (cause) {
      // Cancelled: nothing more is sent.
      if (deps.signal?.aborted) throw deps.signal.reason;
      // A refusal by Ferry's own egress checks is an answer, not a network failure: no retry. A deadline
      // is transient: tried again like a network failure, and reported as itself.
      const timeout = cause instanceof AppError && cause.code === 'UPSTREAM_TIMEOUT';
      if (timeout || !(cause instanceof AppError)) heard({ failure: timeout ? 'timeout' : 'error' });
      if (cause instanceof AppError && (!timeout || last)) throw cause;
      if (timeout) timeouts++;
      if (last) {
        const why = timeout ? undefined : await deps.explainNetworkFailure?.(url).catch(() => undefined);
        throw new AppError(
          'UPSTREAM_UNAVAILABLE',
          // The runtime's own words, unless the adapter could say more (workerd says only "Network connection lost").
          `${init.method ?? 'GET'} ${describeUrl(url)} failed before any response headers arrived: ` +
            `${why ?? describeCause(cause)}`,
          { cause },
        );
      }
      await deps.sleep(backoff(attempt));
      continue;
    }
    const remaining = parseRateLimit(response.headers)?.remaining;
    heard({ status: response.status, ...(remaining !== undefined ? { remaining } : {}) });
    keepReserve(deps, response, init.method ?? 'GET');
    if (!RETRYABLE_STATUS.has(response.status)) return response;
    // A spent quota (Docker Hub: remaining 0) comes back only when its window ends: no retry helps.
    if (response.status === 429 && parseRateLimit(response.headers)?.remaining === 0) return response;
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'), deps.now());
    if (retryAfter !== undefined && (response.status === 429 || response.status === 503))
      deps.gate?.holdUntil(deps.now() + Math.min(retryAfter, MAX_RETRY_AFTER_MS));
    if (last) return response;
    if (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS) return response;
    await discardBody(response);
    // With a gate, the wait happens at the top of the loop (shared with every other request to the host).
    if (!(deps.gate && retryAfter !== undefined)) await deps.sleep(retryAfter ?? backoff(attempt));
  }
}

/**
 * Where the registry announces its pull quota and no more than the reserve remains, every request to it
 * waits for the quota's window: the pulls left stay for whoever needs them more (a person's `docker pull`).
 */
function keepReserve(deps: RetryDeps, response: Response, method: string): void {
  // A HEAD spends no pull (Docker Hub counts GETs of manifests): a plan's look at the quota waits for nothing.
  if (deps.pullReserve === undefined || !deps.gate || method !== 'GET') return;
  const quota = parseRateLimit(response.headers);
  if (quota?.windowSeconds !== undefined && quota.remaining <= deps.pullReserve)
    deps.gate.holdUntil(deps.now() + quota.windowSeconds * 1000);
}

/**
 * A network error as the runtime tells it, its causes included (Node: "fetch failed: connect ECONNREFUSED
 * 127.0.0.1:5000"; workerd says only "Network connection lost").
 */
export function describeCause(cause: unknown): string {
  const parts: string[] = [];
  for (let c = cause, depth = 0; c !== undefined && c !== null && depth < 4; depth++) {
    const text = c instanceof Error ? c.message : String(c);
    if (text && !parts.includes(text)) parts.push(text);
    c = c instanceof Error ? c.cause : undefined;
  }
  return parts.join(': ') || 'unknown network error';
}
