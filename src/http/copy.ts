// POST /v1/copy: validates the request, runs the copy, and answers as NDJSON, SSE or one JSON result.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError, isAppError } from '../errors.js';
import { auditCopy } from '../ops/audit.js';
import { createCopyJob } from '../ops/jobs.js';
import type { CopyEvent, CopyReporter, CopyResult } from '../ops/copy-events.js';
import { copiesManyTags, copyImage, copySubjects, selectTags, type CopyRequest, type ManyCopyResult } from '../ops/copy.js';
import type { AppEnv } from './app-env.js';
import { problemResponse, toProblem } from './errors.js';
import { requireGrant } from './policy.js';
import { CopyRequestSchema, validate } from './schemas.js';

// A copy request is a few references and options; anything bigger is not one.
const MAX_BODY_BYTES = 64 * 1024;

function bad(message: string): never {
  throw new AppError('INVALID_REQUEST', message);
}

export function parseCopyRequest(body: unknown): CopyRequest {
  return validate(CopyRequestSchema, body, 'copy request') as CopyRequest;
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

export function copyRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/v1/copy', async (c) => {
    const deps = c.var.deps;
    const request = parseCopyRequest(await readBody(c.req.raw));
    const caller = c.get('caller');
    const subjects = copySubjects(request);
    requireGrant(deps.config.callers, caller, 'inspect', subjects.source);
    requireGrant(deps.config.callers, caller, 'copy', subjects.target);
    const format = negotiate(c.req.header('accept'));
    const audited = (work: Promise<CopyResult | ManyCopyResult>) =>
      work.then(
        async (result) => {
          await auditCopy(deps, caller.id, request, { results: 'results' in result ? result.results : [result] });
          return result;
        },
        async (error: unknown) => {
          await auditCopy(deps, caller.id, request, { error: { code: isAppError(error) ? error.code : 'INTERNAL' } });
          throw error;
        },
      );
    // Too many tags for one invocation: a job, decided from the tag list alone (no manifest fetched yet).
    let reason: string | undefined;
    let selectedTags: string[] | undefined;
    if (request.wait !== false && deps.jobs && copiesManyTags(request)) {
      selectedTags = await selectTags(deps, request);
      const count = selectedTags.length;
      if (count > deps.config.syncMaxTags) reason = `${count} tags > copy.syncMaxTags ${deps.config.syncMaxTags}: copied as a job`;
    }
    const options = selectedTags ? { selectedTags } : {};
    if (request.wait === false || reason) {
      if (!deps.jobs) throw new AppError('NOT_SUPPORTED', 'no job runner is configured for "wait": false (Workers: the FERRY_JOBS Workflow binding); copy with the request open instead');
      const job = await createCopyJob(deps, request, caller.id, reason);
      await deps.jobs.enqueue(job.id);
      const url = `/v1/jobs/${job.id}`;
      return c.json({ id: job.id, state: job.state, url, ...(reason ? { reason } : {}) }, 202, { location: url });
    }
    if (format === 'json') {
      try {
        return c.json(await audited(copyImage(deps, request, { emit: () => {}, wantsProgress: false }, options)));
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
    const reporter: CopyReporter = { emit: send, wantsProgress: true };
    const run = audited(copyImage(deps, request, reporter, options))
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
        'content-type': format === 'sse' ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'cache-control': 'no-store',
        'content-encoding': 'identity',
      },
    });
  });

  return app;
}
