// Transport faults for the fault proxy (issue: survives faults). Chosen per request by headers:
//   x-ferry-fault: reset-blob-get | stall-blob-get | slow-blob-get (arg: bytes per second) | reset-upload | throttle | burst | blob-500 | hold-patch
//   x-ferry-fault-id: a test's own id (state and log are kept per id, so concurrent tests do not mix)
//   x-ferry-fault-arg: the digest for blob-500; for hold-patch, which PATCH (1-based) is held
// GET /__faultlog/<id> returns what the proxy did for that id.

import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export interface FaultLogEntry {
  at: number;
  method: string;
  path: string;
  range?: string;
  status: number;
  /** Body bytes the proxy passed on (downloads) or took in (uploads). */
  bytes: number;
  note?: string;
  /** hold-patch: the blob an upload's closing PUT names. */
  digest?: string;
}

const BLOB_GET = /^\/v2\/.+\/blobs\/sha256:[a-f0-9]{64}$/;
const UPLOAD = /\/blobs\/uploads\//;
// How far a download or upload gets before the fault hits.
const CUT_AFTER_BYTES = 256 * 1024;
const STALL_MS = 5000;
const THROTTLED_REQUESTS = 3;
const BURST_REQUESTS = 4;

const logs = new Map<string, FaultLogEntry[]>();
const seen = new Map<string, number>();

function once(key: string): boolean {
  const n = seen.get(key) ?? 0;
  seen.set(key, n + 1);
  return n === 0;
}

function count(key: string): number {
  const n = (seen.get(key) ?? 0) + 1;
  seen.set(key, n);
  return n;
}

export function faultLog(id: string): FaultLogEntry[] {
  return logs.get(id) ?? [];
}

/** Handles the request when a transport fault applies; returns false to let the proxy forward it as usual. */
export function handleTransportFault(req: IncomingMessage, res: ServerResponse, upstreamPort: number): boolean {
  const url = new URL(req.url ?? '/', 'http://proxy');
  if (url.pathname.startsWith('/__faultlog/')) {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(faultLog(url.pathname.slice('/__faultlog/'.length))));
    return true;
  }
  const fault = req.headers['x-ferry-fault'] as string | undefined;
  const id = (req.headers['x-ferry-fault-id'] as string | undefined) ?? 'none';
  const arg = req.headers['x-ferry-fault-arg'] as string | undefined;
  if (!fault) return false;
  const log = (entry: Omit<FaultLogEntry, 'at' | 'method' | 'path'>) => {
    const list = logs.get(id) ?? [];
    list.push({ at: Date.now(), method: req.method ?? '', path: url.pathname, ...entry });
    logs.set(id, list);
  };
  const isBlobGet = req.method === 'GET' && BLOB_GET.test(url.pathname);
  const range = req.headers.range;

  if (fault === 'throttle' && count(`${id}:throttle`) <= THROTTLED_REQUESTS) {
    log({ status: 429, bytes: 0 });
    res
      .writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' })
      .end('{"errors":[{"code":"TOOMANYREQUESTS"}]}');
    return true;
  }
  if (fault === 'burst') {
    const n = count(`${id}:burst`);
    if (n <= BURST_REQUESTS) {
      const status = n % 2 ? 502 : 503;
      log({ status, bytes: 0 });
      res.writeHead(status).end();
      return true;
    }
  }
  if (fault === 'blob-500' && isBlobGet && url.pathname.endsWith(arg ?? '-')) {
    log({ status: 500, bytes: 0 });
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN"}]}');
    return true;
  }
  if (fault === 'slow-blob-get' && isBlobGet) {
    // Blob bodies paced to x-ferry-fault-arg bytes per second: a copy that takes a while, for progress.
    const rate = Number(arg ?? 1024 * 1024);
    forward(req, res, upstreamPort, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (chunk: Buffer) => {
        up.pause();
        res.write(chunk);
        setTimeout(() => up.resume(), (chunk.length / rate) * 1000);
      });
      up.on('end', () => res.end());
      // A client that left (a cancelled copy) stops the paced body, or it would hold the proxy open.
      res.on('close', () => up.destroy());
    });
    return true;
  }
  if ((fault === 'reset-blob-get' || fault === 'stall-blob-get') && isBlobGet) {
    const cut = !range && once(`${id}:${fault}:${url.pathname}`);
    forward(req, res, upstreamPort, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      let bytes = 0;
      up.on('data', (chunk: Buffer) => {
        if (!cut) {
          bytes += chunk.length;
          res.write(chunk);
          return;
        }
        if (bytes >= CUT_AFTER_BYTES) return;
        const part = chunk.subarray(0, CUT_AFTER_BYTES - bytes);
        bytes += part.length;
        res.write(part);
        if (bytes >= CUT_AFTER_BYTES) {
          up.destroy();
          log({
            status: up.statusCode ?? 0,
            bytes,
            ...(range ? { range } : {}),
            note: fault === 'reset-blob-get' ? 'reset' : 'stalled',
          });
          // A reset drops the connection now; a stall keeps it open and silent, then drops it.
          setTimeout(() => res.socket?.destroy(), fault === 'reset-blob-get' ? 0 : STALL_MS);
        }
      });
      up.on('end', () => {
        if (cut && bytes >= CUT_AFTER_BYTES) return;
        log({ status: up.statusCode ?? 0, bytes, ...(range ? { range } : {}) });
        res.end();
      });
    });
    return true;
  }
  if (fault === 'hold-patch' && req.method === 'PATCH' && UPLOAD.test(url.pathname)) {
    // The chosen PATCH never reaches the registry and never gets an answer (the client is killed meanwhile);
    // the others are forwarded, and logged with their Content-Range.
    const n = count(`${id}:patch`);
    const contentRange = req.headers['content-range'] as string | undefined;
    const bytes = Number(req.headers['content-length'] ?? 0);
    if (n === Number(arg ?? 3)) {
      log({ status: 0, bytes: 0, note: 'held', ...(contentRange ? { range: contentRange } : {}) });
      return true;
    }
    forward(req, res, upstreamPort, (up) => {
      log({ status: up.statusCode ?? 0, bytes, note: 'patch', ...(contentRange ? { range: contentRange } : {}) });
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    return true;
  }
  if (fault === 'hold-patch' && req.method === 'PUT' && UPLOAD.test(url.pathname)) {
    // The PUT that closes an upload names its blob: a blob uploaded twice shows up twice.
    const bytes = Number(req.headers['content-length'] ?? 0);
    forward(req, res, upstreamPort, (up) => {
      log({ status: up.statusCode ?? 0, bytes, note: 'put', digest: url.searchParams.get('digest') ?? '' });
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    return true;
  }
  if (
    fault === 'reset-upload' &&
    (req.method === 'PUT' || req.method === 'PATCH') &&
    UPLOAD.test(url.pathname) &&
    Number(req.headers['content-length'] ?? 1) > CUT_AFTER_BYTES &&
    once(`${id}:reset-upload`)
  ) {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes >= CUT_AFTER_BYTES) {
        log({ status: 0, bytes, note: 'reset' });
        req.socket.destroy();
      }
    });
    return true;
  }
  return false;
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
  onResponse: (up: IncomingMessage) => void,
): void {
  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  for (const h of ['x-ferry-fault', 'x-ferry-fault-id', 'x-ferry-fault-arg']) delete headers[h];
  const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers }, onResponse);
  upstream.on('error', () => res.socket?.destroy());
  req.pipe(upstream);
}
