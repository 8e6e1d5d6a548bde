// POST /v1/copy: validates the request, runs the copy, and answers as NDJSON, SSE or one JSON result.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { CopyEvent, CopyReporter } from '../ops/copy-events.js';
import { copyImage, type CopyRequest } from '../ops/copy.js';
import { problemResponse, toProblem } from './errors.js';

// A copy request is a few references and options; anything bigger is not one.
const MAX_BODY_BYTES = 64 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): never {
  throw new AppError('INVALID_REQUEST', message);
}

export function parseCopyRequest(body: unknown): CopyRequest {
  if (!isRecord(body)) bad('the body must be a JSON object');
  for (const key of Object.keys(body)) {
    if (!['source', 'target', 'tags', 'platforms', 'unwrap', 'verify'].includes(key)) bad(`unknown field "${key}"`);
  }
  const { source, target, tags, platforms, unwrap, verify } = body;
  if (typeof source !== 'string' || !source) bad('"source" must be an image reference');
  if (typeof target !== 'string' || !target) bad('"target" must be an image reference');
  const request: CopyRequest = { source, target };
  if (tags !== undefined) {
    if (tags === 'all') request.tags = 'all';
    else if (Array.isArray(tags) && tags.every((t) => typeof t === 'string')) request.tags = tags as string[];
    else if (isRecord(tags) && typeof tags.match === 'string' && Object.keys(tags).length === 1) request.tags = { match: tags.match };
    else bad('"tags" must be a list of tags, "all", or {"match": "<regex>"}');
  }
  if (platforms !== undefined) {
    if (platforms === 'all') request.platforms = 'all';
    else if (Array.isArray(platforms) && platforms.length > 0 && platforms.every((p) => typeof p === 'string' && /^[a-z0-9_.-]+\/[a-z0-9_.-]+(\/[a-z0-9_.-]+)?$/i.test(p))) {
      request.platforms = platforms as string[];
    } else bad('"platforms" must be "all" or a non-empty list like ["linux/amd64", "linux/arm64/v8"]');
  }
  if (unwrap !== undefined) {
    if (typeof unwrap !== 'boolean') bad('"unwrap" must be a boolean');
    request.unwrap = unwrap;
  }
  if (verify !== undefined) {
    if (typeof verify !== 'boolean') bad('"verify" must be a boolean');
    request.verify = verify;
  }
  return request;
}

async function readBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) bad(`the body is larger than ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    return bad('the body is not valid JSON');
  }
}

/** Workers' waitUntil when there is one (Hono throws outside Workers); elsewhere the copy awaits its bookkeeping. */
function backgroundOf(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }): Pick<CopyReporter, 'defer'> {
  try {
    const ctx = c.executionCtx;
    return { defer: (work) => ctx.waitUntil(work.catch(() => undefined)) };
  } catch {
    return {};
  }
}

type Format = 'ndjson' | 'sse' | 'json';

function negotiate(accept: string | undefined): Format {
  if (accept?.includes('application/x-ndjson')) return 'ndjson';
  if (accept?.includes('text/event-stream')) return 'sse';
  return 'json';
}

function encodeEvent(format: Format, event: CopyEvent): string {
  const json = JSON.stringify(event);
  return format === 'sse' ? `event: ${event.type}\ndata: ${json}\n\n` : `${json}\n`;
}

export function copyRoutes(deps: Deps): Hono {
  const app = new Hono();

  app.post('/v1/copy', async (c) => {
    const request = parseCopyRequest(await readBody(c.req.raw));
    const format = negotiate(c.req.header('accept'));
    const defer = backgroundOf(c);
    if (format === 'json') {
      try {
        return c.json(await copyImage(deps, request, { emit: () => {}, wantsProgress: false, ...defer }));
      } catch (error) {
        return problemResponse(error, deps.log);
      }
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    let open = true;
    const send = (event: CopyEvent) => {
      if (!open) return;
      writer.write(encoder.encode(encodeEvent(format, event))).catch(() => {
        open = false; // the client went away; the copy finishes or fails on its own
      });
    };
    const reporter: CopyReporter = { emit: send, wantsProgress: true, ...defer };
    const run = copyImage(deps, request, reporter)
      .catch((error) => {
        const problem = toProblem(error, deps.log);
        const { code, detail, blob, manifest, tag } = problem as { code: string; detail: string; blob?: string; manifest?: string; tag?: string };
        send({ type: 'error', code, message: detail, ...(blob ? { blob } : {}), ...(manifest ? { manifest } : {}), ...(tag ? { tag } : {}) });
      })
      .finally(() => {
        open = false;
        writer.close().catch(() => {});
      });
    // On Workers the response stream keeps the invocation alive while the copy runs.
    void run;
    return new Response(readable, {
      status: 200,
      headers: {
        'content-type': format === 'sse' ? 'text/event-stream' : 'application/x-ndjson',
        'cache-control': 'no-store',
        'content-encoding': 'identity',
      },
    });
  });

  return app;
}
