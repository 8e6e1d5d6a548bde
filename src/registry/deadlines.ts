// Deadlines on one upstream request: connecting, the time to the answer's headers, and the idle time
// between body chunks (both ways). A registry, token server or cloud endpoint that stops answering
// fails with UPSTREAM_TIMEOUT naming its host and the phase, instead of holding a request or a job's
// slot for ever; the caller's signal (a cancelled job) aborts the request at once.

import { AppError } from '../errors.js';
import type { ConnectionInit, Deadlines, FetchLike } from './options.js';

export const DEFAULT_DEADLINES: Deadlines = { connectMs: 10_000, headersMs: 30_000, idleMs: 60_000 };

export type Phase = 'connect' | 'headers' | 'body' | 'idle';

const PHASE_TEXT: Record<Phase, string> = {
  connect: 'took no connection',
  headers: 'sent no response headers',
  body: 'sent no body bytes',
  idle: 'neither sent nor took a byte',
};

/** What a fetch adapter throws when the connection did not come up, or went quiet, in time. */
export class SocketTimeout extends Error {
  readonly phase: 'connect' | 'idle';
  constructor(phase: 'connect' | 'idle') {
    super(`${phase} timeout`);
    this.name = 'SocketTimeout';
    this.phase = phase;
  }
}

export function upstreamTimeout(url: URL, phase: Phase, ms: number): AppError {
  return new AppError(
    'UPSTREAM_TIMEOUT',
    `${url.host} ${PHASE_TEXT[phase]} within ${ms / 1000} s (${phase} deadline)`,
    { retryable: true, details: { host: url.host, phase } },
  );
}

/**
 * Sends one request under the deadlines. A streamed upload has no headers deadline (its body may take
 * long to send, and wrapping it would cost the runtime's native pump and the length it sends): its
 * target is watched by the socket idle deadline on Node, and by the caller's signal everywhere.
 * `native`: a blob download, left as the runtime gave it so the runtime can pump it into the upload
 * (the copy watches a large one itself, src/registry/resume.ts).
 */
export async function fetchWithin(
  fetch: FetchLike,
  url: URL,
  init: RequestInit,
  deadlines: Deadlines,
  options: { signal?: AbortSignal | undefined; native?: boolean } = {},
): Promise<Response> {
  options.signal?.throwIfAborted();
  const controller = new AbortController();
  let expired: AppError | undefined;
  const expire = (phase: Phase, ms: number) => {
    expired ??= upstreamTimeout(url, phase, ms);
    controller.abort(expired);
  };
  const cancelled = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', cancelled, { once: true });
  const headersTimer =
    init.body instanceof ReadableStream
      ? undefined
      : setTimeout(() => expire('headers', deadlines.headersMs), deadlines.headersMs);
  const sent: ConnectionInit = {
    ...init,
    signal: controller.signal,
    connectTimeoutMs: deadlines.connectMs,
    idleTimeoutMs: deadlines.idleMs,
  };
  let response: Response;
  try {
    response = await fetch(url.toString(), sent);
  } catch (error) {
    options.signal?.removeEventListener('abort', cancelled);
    if (expired) throw expired;
    const timeout = socketTimeout(url, error, deadlines);
    if (timeout) throw timeout;
    throw error;
  } finally {
    clearTimeout(headersTimer);
  }
  const done = () => options.signal?.removeEventListener('abort', cancelled);
  if (!response.body || options.native) {
    done();
    return response;
  }
  const body = watchBody(
    response.body,
    deadlines.idleMs,
    () => expire('body', deadlines.idleMs),
    () => expired,
    done,
  );
  const watched = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // Which request it answered stays known (errors name it; a constructed Response has no url of its own).
  Object.defineProperty(watched, 'url', { value: response.url });
  return watched;
}

/** The runtime's socket deadline (Node), as Ferry says it; undefined for any other failure. */
function socketTimeout(url: URL, error: unknown, deadlines: Deadlines): AppError | undefined {
  const socket = error instanceof SocketTimeout ? error : error instanceof Error ? error.cause : undefined;
  if (!(socket instanceof SocketTimeout)) return undefined;
  return upstreamTimeout(url, socket.phase, socket.phase === 'connect' ? deadlines.connectMs : deadlines.idleMs);
}

/** The answer's body, failing when no chunk comes within `idleMs` of being asked for. */
function watchBody(
  source: ReadableStream<Uint8Array>,
  idleMs: number,
  onIdle: () => void,
  reason: (error: unknown) => unknown,
  done: () => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const timer = setTimeout(onIdle, idleMs);
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          done();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        done();
        controller.error(reason(error));
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(why) {
      done();
      return reader.cancel(why);
    },
  });
}
