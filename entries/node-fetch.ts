// Node's fetch (undici) reads a streamed request body as fast as it can, whatever the socket's backpressure,
// so a fast source piped into a slower registry piles up in memory (a 256 MiB body: ~290 MiB RSS). This
// fetch sends streamed bodies with node:http, which waits for 'drain'; everything else goes to fetch.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import type { FetchLike } from '../src/deps.js';

export const nodeFetch: FetchLike = async (input, init = {}) => {
  const body = init.body;
  if (!(body instanceof ReadableStream)) return fetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  const headers = Object.fromEntries(new Headers(init.headers));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, { method: init.method ?? 'POST', headers, signal: init.signal ?? undefined }, resolve);
    req.on('error', reject);
    // pipeline pauses the source whenever the socket buffer is full.
    pipeline(Readable.fromWeb(body as unknown as NodeWebReadableStream<Uint8Array>), req).catch((error: unknown) => {
      req.destroy(error instanceof Error ? error : new Error(String(error)));
      reject(error);
    });
  });
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (Array.isArray(value)) value.forEach((v) => responseHeaders.append(name, v));
    else if (value !== undefined) responseHeaders.set(name, value);
  }
  const status = response.statusCode ?? 502;
  const noBody = init.method === 'HEAD' || status === 204 || status === 304;
  if (noBody) response.resume();
  return new Response(noBody ? null : (Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>), { status, headers: responseHeaders });
};
