// Ferry's fetch on Node. Two reasons to send requests with node:http rather than Node's fetch (undici):
// - undici reads a streamed request body as fast as it can, whatever the socket's backpressure, so a fast
//   source piped into a slower registry piles up in memory (a 256 MiB body: ~290 MiB RSS); node:http
//   waits for 'drain';
// - undici loads on the first fetch (some 40 ms of a command-line run that makes six requests) and node:http
//   is already there.
// Registry traffic never lets fetch follow redirects (each hop is checked by hand), so node:http takes every
// request with `redirect: 'manual'` or a streamed body; the rest (token endpoints of cloud providers, which
// may redirect) still goes to fetch.

import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { isIP, type LookupFunction } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import type { FetchLike } from '../src/deps.js';
import { SocketTimeout } from '../src/registry/deadlines.js';
import type { ConnectionInit } from '../src/registry/options.js';

export const nodeFetch: FetchLike = async (input, init: ConnectionInit = {}) => {
  if (input instanceof Request) return fetch(input, init);
  const body = init.body;
  const streamed = body instanceof ReadableStream;
  const url = new URL(String(input));
  const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  // An address the egress check approved is connected to by node:http, which takes it as its lookup.
  if (!init.address && !streamed && !(init.redirect === 'manual' && plainBody)) return fetch(input, init);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fetch(input, init);
  init.signal?.throwIfAborted();
  const method = init.method ?? (streamed ? 'POST' : 'GET');
  const headers = Object.fromEntries(new Headers(init.headers));
  // fetch would decompress a coded answer; this sends bytes on as they came, so ask for them uncoded.
  headers['accept-encoding'] ??= 'identity';
  // node:https (and TLS under it) loads only for a registry that needs it: a command line's start counts.
  // Required, not imported: the command line runs from V8's code cache, where import() is not available.
  const send =
    url.protocol === 'https:'
      ? (createRequire(import.meta.url)('node:https') as typeof import('node:https')).request
      : httpRequest;
  let answered: IncomingMessage | undefined;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const options = { method, headers, signal: init.signal ?? undefined, ...pinnedLookup(init.address) };
    const req = send(url, options, (res) => resolve((answered = res)));
    watchSocket(req, url, init, () => answered);
    // As fetch does: a network failure is a TypeError with the cause, an abort is the signal's reason.
    req.on('error', (error) =>
      reject(init.signal?.aborted ? init.signal.reason : new TypeError('fetch failed', { cause: error })),
    );
    if (streamed) {
      // pipeline pauses the source whenever the socket buffer is full; the source's own error (a digest
      // mismatch, a broken download) is the one to report.
      pipeline(Readable.fromWeb(body as unknown as NodeWebReadableStream<Uint8Array>), req).catch((error: unknown) => {
        req.destroy(error instanceof Error ? error : new Error(String(error)));
        reject(error);
      });
    } else {
      req.end(body ?? undefined);
    }
  });
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (Array.isArray(value)) value.forEach((v) => responseHeaders.append(name, v));
    else if (value !== undefined) responseHeaders.set(name, value);
  }
  const status = response.statusCode ?? 502;
  // An empty answer to a write (a registry's 202 to an upload's POST, its 201 to the PUT) gets no body
  // stream: the caller drops such a body by cancelling it, and cancelling a message not yet read to its
  // end closes the connection (two new connections per blob copied). A GET keeps its stream, empty or not:
  // an empty blob is still a body.
  const emptyWrite = method !== 'GET' && response.headers['content-length'] === '0';
  const noBody = method === 'HEAD' || status === 204 || status === 304 || emptyWrite;
  if (noBody) response.resume();
  const answer = new Response(noBody ? null : (Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>), {
    status,
    statusText: response.statusMessage ?? '',
    headers: responseHeaders,
  });
  // As fetch's answer does, it names the URL asked for (error texts say which request failed).
  Object.defineProperty(answer, 'url', { value: url.toString() });
  return answer;
};

/**
 * The deadlines only the socket shows (src/registry/deadlines.ts): a connection that does not come up,
 * and a socket with no traffic either way (an answer that stalls, or a target that stops taking an upload).
 */
function watchSocket(
  req: ClientRequest,
  url: URL,
  init: ConnectionInit,
  answered: () => IncomingMessage | undefined,
): void {
  const fail = (phase: 'connect' | 'idle') => {
    const error = new SocketTimeout(phase);
    const response = answered();
    if (response) response.destroy(error);
    req.destroy(error);
  };
  if (init.connectTimeoutMs)
    req.once('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => fail('connect'), init.connectTimeoutMs);
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
  if (init.idleTimeoutMs) req.setTimeout(init.idleTimeoutMs, () => fail('idle'));
}

/** A lookup that answers only `address` (the one checked), so the socket goes nowhere else. */
function pinnedLookup(address: string | undefined): { lookup?: LookupFunction } {
  if (!address) return {};
  const family = isIP(address);
  return {
    lookup: (_hostname, options, callback) => {
      if (options.all) (callback as (e: null, all: LookupAddress[]) => void)(null, [{ address, family }]);
      else callback(null, address, family);
    },
  };
}
