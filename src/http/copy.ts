// POST /v1/copy: validates the request, runs the copy, and answers as NDJSON, SSE or one JSON result.

import { Hono } from 'hono';
import type { Caller } from '../config/callers.js';
import type { Deps } from '../deps.js';
import { AppError, isAppError } from '../errors.js';
import { auditCopy } from '../ops/audit.js';
import { createCopyJob, handOverCopy, ProgressTracker, recordCopyOutcome, type JobRecord } from '../ops/jobs/index.js';
import type { CopyEvent, CopyReporter, CopyResult } from '../ops/copy/index.js';
import {
  OverBudget,
  SyncAccount,
  type PlanCost,
  type CopyRequest,
  type ManyCopyResult,
  copyImage,
  copyRepository,
  copySubjects,
  dryRunCopy,
  parseCopySpec,
  selectTags,
  type CopySpec,
} from '../ops/copy/index.js';
import type { AppEnv } from './app-env.js';
import { problemResponse, toProblem } from './errors.js';
import { readableBy, readScope, requireAnyGrant, requireGrant } from '../policy.js';
import { readJsonBody } from './body.js';
import { MATCH_RENAMED } from '../patterns.js';
import { CopyRequestSchema, validate } from './schemas.js';

export function parseCopyRequest(body: unknown): CopyRequest {
  const tags = (body as { tags?: { match?: unknown } } | null)?.tags;
  if (tags && typeof tags === 'object' && 'match' in tags)
    throw new AppError('INVALID_REQUEST', `copy request: tags.match: ${MATCH_RENAMED}`);
  return validate(CopyRequestSchema, body, 'copy request') as CopyRequest;
}

type Format = 'ndjson' | 'sse' | 'json';

/** The last event of a streamed copy that goes on as a job. */
interface HandOverEvent {
  type: 'job';
  id: string;
  url: string;
  reason: string;
}

/** On a streamed copy: the job URL where the copy goes on if the stream ends before its last event. */
export const JOB_HEADER = 'ferry-job';
const DISCONNECTED = 'the client disconnected: the rest of the copy runs as a job';
const jobUrl = (id: string) => `/v1/jobs/${id}`;

function negotiate(accept: string | undefined): Format {
  if (accept?.includes('application/x-ndjson')) return 'ndjson';
  if (accept?.includes('text/event-stream')) return 'sse';
  return 'json';
}

function encodeEvent(format: Format, event: CopyEvent | HandOverEvent): string {
  const json = JSON.stringify(event);
  return format === 'sse' ? `event: ${event.type}\ndata: ${json}\n\n` : `${json}\n`;
}

/** A copy request checked, and checked against the caller's grants (inspect the source, copy to the target). */
export function authorizeCopy(
  deps: Deps,
  caller: Caller,
  body: unknown,
): { request: CopyRequest; spec: CopySpec; owner: { id: string; readScope: string[] } } {
  const request = parseCopyRequest(body);
  const spec = parseCopySpec(request);
  const subjects = copySubjects(spec);
  requireGrant(deps.config.callers, caller, 'inspect', subjects.source);
  requireGrant(deps.config.callers, caller, 'copy', subjects.target);
  return { request, spec, owner: { id: caller.id, readScope: readScope(deps.config.callers, caller) } };
}

/** Runs a copy as a job ("wait": false, the console's copy form): recorded, then handed to the runner. */
export async function submitCopyJob(
  deps: Deps,
  request: CopyRequest,
  spec: CopySpec,
  owner: { id: string; readScope: string[] },
): Promise<JobRecord> {
  if (!deps.jobs)
    throw new AppError(
      'NOT_SUPPORTED',
      'no job runner is configured for "wait": false (Workers: the FERRY_JOBS Workflow binding); copy with the ' +
        'request open instead',
    );
  const job = await createCopyJob(deps, request, owner, { spec });
  await deps.jobs.enqueue(job.id);
  return job;
}

export function copyRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // What a copy of one image would do, the target asked as the copy asks it; nothing written, so not audited.
  app.post('/v1/copy/dry-run', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    requireAnyGrant(deps.config.callers, caller, 'copy');
    const { spec } = authorizeCopy(deps, caller, await readJsonBody(c.req.raw, deps));
    if (spec.kind !== 'image')
      throw new AppError(
        'INVALID_REQUEST',
        'a dry run copies one image: for many tags, list them (GET /v1/tags/…) and dry-run one',
      );
    return c.json(await dryRunCopy(deps, spec, readableBy(deps.config.callers, caller)));
  });

  app.post('/v1/copy', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    requireAnyGrant(deps.config.callers, caller, 'copy');
    const { request, spec, owner } = authorizeCopy(deps, caller, await readJsonBody(c.req.raw, deps));
    const format = negotiate(c.req.header('accept'));
    const accepted = (job: JobRecord, reason?: string) => {
      const url = jobUrl(job.id);
      return c.json({ id: job.id, state: job.state, url, ...(reason ? { reason } : {}) }, 202, { location: url });
    };
    // Too many tags for one invocation: a job, decided from the tag list alone (no manifest fetched yet).
    let selectedTags: string[] | undefined;
    if (request.wait !== false && deps.jobs && spec.kind === 'repository') {
      selectedTags = await selectTags(deps, spec);
      const count = selectedTags.length;
      if (count > deps.config.syncMaxTags) {
        const reason = `${count} tags > copy.syncMaxTags ${deps.config.syncMaxTags}: copied as a job`;
        return accepted(await handOverCopy(deps, request, owner, { reason, spec }), reason);
      }
    }
    if (request.wait === false) return accepted(await submitCopyJob(deps, request, spec, owner));

    // The copy runs in this request while it fits: its plans are priced before bytes move, and the client
    // may go away. Either way the rest goes on as a job under an id the client is told at once, where a
    // job runner exists; without one, a disconnect leaves the copy running as it is.
    const jobId = crypto.randomUUID();
    const canHandOver = deps.jobs !== undefined;
    const stop = new AbortController();
    let handedOver: Promise<JobRecord> | undefined;
    const handOver = (reason: string) => {
      stop.abort();
      return (handedOver ??= handOverCopy(deps, request, owner, { reason, id: jobId, spec }));
    };
    const account = new SyncAccount(deps.config.syncBudget);
    const options = {
      admit: (cost: PlanCost) => account.admit(cost),
      signal: stop.signal,
      readable: readableBy(deps.config.callers, caller),
      actor: caller.id,
    };
    const clientGone = () =>
      void handOver(DISCONNECTED).catch((error: unknown) =>
        deps.log.error('copy: could not hand over to a job', {
          id: jobId,
          error: error instanceof Error ? error.message : 'unknown',
        }),
      );
    if (canHandOver) c.req.raw.signal?.addEventListener('abort', clientGone);
    // A streamed copy's client was told the job id at once: whatever the outcome, it can be found there.
    const promised = canHandOver && format !== 'json';
    // What the copy moved, for its record (a job's page shows it as a job's own progress).
    const moved = new ProgressTracker();
    const remember = (outcome: Pick<JobRecord, 'result' | 'error'>) =>
      promised
        ? recordCopyOutcome(
            deps,
            request,
            owner,
            jobId,
            { ...outcome, progress: { ...moved.snapshot(), active: [] } },
            { spec },
          ).catch((error: unknown) =>
            deps.log.warn('copy: could not record its outcome', {
              id: jobId,
              error: error instanceof Error ? error.message : 'unknown',
            }),
          )
        : undefined;
    // One image, or many tags: each verb with its own result; the hosts it reached go in its audit record.
    const hosts = deps.hostsReached ?? new Set<string>();
    const copyDeps = { ...deps, hostsReached: hosts };
    const copy = async (reporter: CopyReporter) => {
      if (spec.kind === 'image') {
        const result = await copyImage(copyDeps, spec, reporter, options);
        return { result, results: [result] };
      }
      const result = await copyRepository(copyDeps, spec, reporter, {
        ...options,
        ...(selectedTags ? { selectedTags } : {}),
      });
      return { result, results: result.results };
    };
    // Settles the copy: audited as done or failed, unless its rest was handed to a job (audited so there).
    const settle = async (
      reporter: CopyReporter,
    ): Promise<{ result: CopyResult | ManyCopyResult } | { job: JobRecord; reason: string }> => {
      try {
        const { result, results } = await copy(reporter);
        await auditCopy(deps, caller.id, request, { results }, undefined, hosts);
        await remember({ result });
        return { result };
      } catch (error) {
        if (error instanceof OverBudget) return { job: await handOver(error.reason), reason: error.reason };
        if (handedOver) return { job: await handedOver, reason: DISCONNECTED };
        const code = isAppError(error) ? error.code : 'INTERNAL';
        await auditCopy(deps, caller.id, request, { error: { code } }, undefined, hosts);
        await remember({
          error: {
            code: isAppError(error) ? error.code : 'INTERNAL',
            message: error instanceof Error ? error.message : 'unknown',
          },
        });
        throw error;
      } finally {
        c.req.raw.signal?.removeEventListener('abort', clientGone);
      }
    };

    if (format === 'json') {
      try {
        const settled = await settle({ emit: () => {}, wantsProgress: false });
        return 'result' in settled ? c.json(settled.result) : accepted(settled.job, settled.reason);
      } catch (error) {
        return problemResponse(error, deps.log);
      }
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    let open = true;
    const send = (event: CopyEvent | HandOverEvent) => {
      if (!open) return;
      writer.write(encoder.encode(encodeEvent(format, event))).catch(() => {
        open = false; // the client went away (where the runtime gives no request signal, this tells)
        if (canHandOver) clientGone();
      });
    };
    const run = settle({ emit: (event) => (moved.observe(event), send(event)), wantsProgress: true })
      .then((settled) => {
        c.var.ending.outcome = 'job' in settled ? 'handed-over' : 'completed';
        if ('job' in settled)
          send({ type: 'job', id: settled.job.id, url: jobUrl(settled.job.id), reason: settled.reason });
      })
      .catch((error) => {
        const problem = toProblem(error, deps.log);
        const { code, detail, status, blob, manifest, tag } = problem as {
          code: string;
          detail: string;
          status: number;
          blob?: string;
          manifest?: string;
          tag?: string;
        };
        Object.assign(c.var.ending, { outcome: 'failed', code });
        // The stream answered 200 before this: `status` is what the JSON mode would have answered.
        send({
          type: 'error',
          code,
          status,
          message: detail,
          ...(blob ? { blob } : {}),
          ...(manifest ? { manifest } : {}),
          ...(tag ? { tag } : {}),
        });
      })
      .finally(() => {
        open = false;
        writer.close().catch(() => {});
      });
    // The response stream keeps the invocation alive while the copy runs; after a disconnect, what is
    // left of it (handing over, the blobs in flight) is the invocation's to finish.
    deps.defer(run);
    return new Response(readable, {
      status: 200,
      headers: {
        'content-type': format === 'sse' ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'cache-control': 'no-store',
        'content-encoding': 'identity',
        // Where the copy goes on if this stream ends before its last event (a disconnect, a plan too big).
        ...(canHandOver ? { [JOB_HEADER]: jobUrl(jobId) } : {}),
      },
    });
  });

  return app;
}
