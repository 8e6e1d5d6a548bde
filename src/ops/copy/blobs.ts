// Moves one blob to the target, cheapest way first: already there, mount from the source repository,
// mount from a repository Ferry saw it in (KV), else stream source GET into the target upload.

import type { Deps } from '../../deps.js';
import { AppError, isAppError, isTransient } from '../../errors.js';
import { resumableBlobBody, startsAt, type ResumableBody } from '../../registry/resume.js';
import { verifier } from '../../registry/streams.js';
import { BlobUploader, type UploadSession } from '../../registry/upload.js';
import { mountCandidates, type BlobEnds, type BlobMemory } from './blob-memory.js';
import type { CopyReporter } from './events.js';
import type { PlannedBlob } from './plan.js';
import { forgetUploadSession, loadUploadSession, UploadRecorder, uploadSessionKey } from './upload-sessions.js';

/** A blob brought to the target, counted by how it got there. */
function tally(deps: Deps, how: 'streamed' | 'mounted' | 'skipped', size: number): void {
  deps.metrics?.count('blobs', { how });
  deps.metrics?.count('blobBytes', { how }, size);
}

// Progress at most this often per blob: enough for a progress bar, little enough for a slow client.
const PROGRESS_INTERVAL_MS = 500;
// Range resumes of one download before the blob counts as failed (and is restarted whole).
const MAX_RESUMES = 5;
// Below this a broken download simply restarts the blob: cheaper than pumping small blobs through JS.
const RESUME_MIN_BYTES = 1024 * 1024;
// Mount attempts from remembered repositories before streaming instead.
const MAX_MOUNT_CANDIDATES = 3;
// Answers to a mount request after which a plain upload may still work.
const MOUNT_REFUSALS = new Set(['UPSTREAM_DENIED', 'UPSTREAM_UNAUTHORIZED', 'NOT_FOUND', 'UPSTREAM_PROTOCOL']);

/** Blob restarts one copy may still spend (shared by its concurrent transfers). */
export interface RetryBudget {
  remaining: number;
}

// A blob is tried this many times in all; only transient failures (network, 5xx, 429) and an upload whose
// credentials were refused midway (renewed since) earn another go.
const BLOB_ATTEMPTS = 3;

export async function transferBlob(
  deps: Deps,
  ends: BlobEnds,
  blob: PlannedBlob,
  memory: BlobMemory,
  reporter: CopyReporter,
  budget: RetryBudget,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await transfer(deps, ends, blob, memory, reporter);
      return;
    } catch (error) {
      const base = isAppError(error) ? error : new AppError('UPSTREAM_UNAVAILABLE', String(error), { cause: error });
      if (!isTransient(base) || attempt >= BLOB_ATTEMPTS || budget.remaining <= 0) {
        throw new AppError(base.code, `blob ${blob.digest}: ${base.message}`, {
          status: base.status,
          cause: error,
          details: { ...base.details, blob: blob.digest },
          ...(base.upstream ? { upstream: base.upstream } : {}),
        });
      }
      budget.remaining--;
      reporter.emit({ type: 'retrying', blob: blob.digest, attempt: attempt + 1, reason: base.message });
    }
  }
}

async function transfer(
  deps: Deps,
  ends: BlobEnds,
  blob: PlannedBlob,
  memory: BlobMemory,
  reporter: CopyReporter,
): Promise<void> {
  const { source, target, sourceRepository, targetRepository } = ends;
  const known = memory.known(blob.digest);
  const candidates = mountCandidates(ends, known);
  const uploader = new BlobUploader(target, targetRepository);
  // A blob the target repository is known to hold (a job's blob steps placed it) has no upload to resume.
  if (!known.includes(targetRepository) && (await resumeRecordedUpload(deps, ends, blob, uploader, reporter))) return;

  if (known.length === 0 && candidates.length === 0) {
    // Nothing suggests the target has it: ask (HEAD) while opening the upload and the source body,
    // one round trip instead of three; the rare loser is cancelled.
    const [head, opened, got] = await Promise.allSettled([
      target.headBlob(targetRepository, blob.digest, { primary: true }),
      uploader.start(),
      source.getBlob(sourceRepository, blob.digest),
    ]);
    const release = async () => {
      if (opened.status === 'fulfilled') await uploader.cancel(opened.value);
      if (got.status === 'fulfilled') await got.value.body?.cancel().catch(() => undefined);
    };
    const failed = [head, opened, got].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed || (head.status === 'fulfilled' && head.value)) {
      await release();
      if (failed) throw failed.reason;
      reporter.emit({ type: 'skipped', blob: blob.digest, size: blob.size });
      tally(deps, 'skipped', blob.size);
      return;
    }
    const session = (opened as PromiseFulfilledResult<UploadSession>).value;
    await streamOrCancel(
      deps,
      ends,
      blob,
      uploader,
      session,
      (got as PromiseFulfilledResult<Response>).value,
      reporter,
    );
    return;
  }

  // With somewhere to mount from, skip the HEAD: a mount of a blob the repository already has succeeds too.
  if (candidates.length === 0 && (await target.headBlob(targetRepository, blob.digest, { primary: true }))) {
    reporter.emit({ type: 'skipped', blob: blob.digest, size: blob.size });
    tally(deps, 'skipped', blob.size);
    return;
  }
  let session: UploadSession | undefined;
  for (const from of candidates.slice(0, MAX_MOUNT_CANDIDATES)) {
    if (session) await uploader.cancel(session);
    session = undefined;
    let opened;
    try {
      opened = await uploader.open({ digest: blob.digest, repository: from });
    } catch (error) {
      // Fail soft, as crane does: a registry that refuses a mount (no pull on `from`, Harbor's 401) can still take an
      // upload.
      if (isAppError(error) && MOUNT_REFUSALS.has(error.code)) continue;
      throw error;
    }
    if (opened.mounted) {
      reporter.emit({ type: 'mounted', blob: blob.digest, size: blob.size, from: `${target.registryKey}/${from}` });
      tally(deps, 'mounted', blob.size);
      return;
    }
    session = opened.session; // the registry could not mount: it opened a plain upload instead
  }
  session ??= await uploader.start();
  let response: Response;
  try {
    response = await source.getBlob(sourceRepository, blob.digest);
  } catch (error) {
    await uploader.cancel(session);
    throw error;
  }
  await streamOrCancel(deps, ends, blob, uploader, session, response, reporter);
}

async function streamOrCancel(
  deps: Deps,
  ends: BlobEnds,
  blob: PlannedBlob,
  uploader: BlobUploader,
  session: UploadSession,
  response: Response,
  reporter: CopyReporter,
): Promise<void> {
  try {
    await stream(ends, blob, uploader, session, response, reporter, deps);
  } catch (error) {
    await response.body?.cancel().catch(() => undefined);
    await uploader.cancel(session);
    throw error;
  }
}

/** Where a job's upload of this blob is recorded; none for a copy no later run could resume (no job). */
const sessionKey = (ends: BlobEnds, blob: PlannedBlob) =>
  ends.uploadOwner === undefined
    ? undefined
    : uploadSessionKey(ends.target.registryKey, ends.targetRepository, blob.digest, ends.uploadOwner);

/**
 * Continues a chunked upload an earlier run recorded (a restarted job): if the registry still holds
 * exactly the bytes recorded, only the rest is downloaded (Range) and sent. distribution cancels a session
 * whose size no longer matches its state token (a chunk cut off half-way), so then the blob starts over.
 */
async function resumeRecordedUpload(
  deps: Deps,
  ends: BlobEnds,
  blob: PlannedBlob,
  uploader: BlobUploader,
  reporter: CopyReporter,
): Promise<boolean> {
  const key = sessionKey(ends, blob);
  if (!uploader.chunked || blob.size <= 0 || key === undefined) return false;
  const saved = await loadUploadSession(deps, key);
  if (!saved) return false;
  const session: UploadSession = { location: saved.location, minChunk: saved.minChunk };
  // The registry's status decides where to go on: it may hold more than was recorded (records are sparse).
  const held = await uploader.status(session).catch(() => undefined);
  if (held === undefined || held < saved.offset) {
    await forgetUploadSession(deps, key);
    return false;
  }
  const response = await ends.source.getBlob(ends.sourceRepository, blob.digest, { from: held });
  if (!startsAt(response, held)) {
    await response.body?.cancel();
    await uploader.cancel(session);
    await forgetUploadSession(deps, key);
    return false;
  }
  reporter.emit({ type: 'resumed', blob: blob.digest, offset: held, upload: true });
  const recorder = new UploadRecorder(deps, key);
  try {
    await uploader.put(session, blob.digest, blob.size, response.body!, { start: held, onChunk: recorder.chunk });
  } catch (error) {
    await uploader.cancel(session);
    await forgetUploadSession(deps, key);
    throw error;
  }
  await forgetUploadSession(deps, key);
  reporter.emit({ type: 'done', blob: blob.digest, size: blob.size });
  tally(deps, 'streamed', blob.size);
  return true;
}

async function stream(
  ends: BlobEnds,
  blob: PlannedBlob,
  uploader: BlobUploader,
  session: UploadSession,
  response: Response,
  reporter: CopyReporter,
  deps: Deps,
): Promise<void> {
  const announced = Number(response.headers.get('content-length') ?? NaN);
  const size = blob.size >= 0 ? blob.size : announced;
  if (!Number.isFinite(size)) {
    await response.body?.cancel();
    throw new AppError('UPSTREAM_PROTOCOL', 'the source sent no length for a blob whose manifest gives none');
  }
  if (Number.isFinite(announced) && announced !== size) {
    await response.body?.cancel();
    throw new AppError('DIGEST_MISMATCH', `the source announces ${announced} bytes, the manifest ${size}`);
  }
  reporter.emit({ type: 'started', blob: blob.digest, size });
  let body: ReadableStream<Uint8Array> = response.body ?? new Blob([]).stream();
  // Untouched, the source body keeps its length and the runtime pumps it natively into the upload.
  // Progress rides on the resume pump's own hop; without one, no stream is added just to count bytes
  // (a streamed copy then reports each blob started and done).
  let transformed = false;
  let resumable: ResumableBody | undefined;
  if (ends.resumeDownloads && size >= RESUME_MIN_BYTES) {
    let last = deps.now();
    // A break or a stall in the download resumes with Range instead of failing the upload.
    resumable = resumableBlobBody(ends.source, ends.sourceRepository, blob.digest, size, response, {
      idleTimeoutMs: deps.config.idleTimeoutMs,
      maxResumes: MAX_RESUMES,
      onResume: (offset) => reporter.emit({ type: 'resumed', blob: blob.digest, offset }),
      ...(reporter.wantsProgress
        ? {
            onProgress: (bytes: number) => {
              const now = deps.now();
              if (now - last >= PROGRESS_INTERVAL_MS && bytes < size) {
                last = now;
                reporter.emit({ type: 'progress', blob: blob.digest, bytes, size });
              }
            },
          }
        : {}),
    });
    body = resumable.stream;
  }
  if (ends.verify) {
    body = body.pipeThrough(verifier(blob.digest, size, `blob ${blob.digest}`));
    transformed = true;
  }
  const failure = transformed ? trackStreamError(body) : { stream: body, error: undefined };
  try {
    const key = sessionKey(ends, blob);
    const recorder = key === undefined ? undefined : new UploadRecorder(deps, key);
    await uploader.put(session, blob.digest, size, failure.stream, {
      lengthKnown: !transformed,
      ...(recorder ? { onChunk: recorder.chunk } : {}),
    });
    await recorder?.forget();
  } catch (error) {
    // When our own stream failed (a digest mismatch found in flight, a download that could not resume),
    // that is the error to report, not fetch's vague one about the request body.
    throw failure.error ?? resumable?.error ?? error;
  }
  reporter.emit({ type: 'done', blob: blob.digest, size });
  tally(deps, 'streamed', size);
}

/** Keeps the error a body stream failed with, since fetch reports a failed request body only vaguely. */
function trackStreamError(stream: ReadableStream<Uint8Array>): {
  stream: ReadableStream<Uint8Array>;
  readonly error: AppError | undefined;
} {
  const state: { error: AppError | undefined } = { error: undefined };
  const reader = stream.getReader();
  const tracked = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        if (isAppError(error)) state.error = error;
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return {
    stream: tracked,
    get error() {
      return state.error;
    },
  };
}

/** Whether a blob goes in parts of `maxBytes` over several job steps: only a chunked upload can stop and go on. */
export function spansSteps(ends: BlobEnds, blob: PlannedBlob, maxBytes: number): boolean {
  return blob.size > maxBytes && new BlobUploader(ends.target, ends.targetRepository).chunked;
}

/** Where a chunked upload stands between two steps of a job: small and plain, a step's output. */
export interface UploadPoint {
  location: string;
  offset: number;
  minChunk?: number;
}

/**
 * One step's share of a blob bound for a chunked target (a Workflow job): goes on from where the upload
 * stands, uploads at most `maxBytes`, and returns where it got to, or 'done'. Where it stands: the
 * previous step's output (`from`), unless the state store holds a later acknowledged chunk (a step cut
 * off mid-way: distribution accepts an upload only at its latest state token). A session the registry
 * forgot, or cancelled, starts over.
 */
export async function transferBlobPart(
  deps: Deps,
  ends: BlobEnds,
  blob: PlannedBlob,
  from: UploadPoint | undefined,
  maxBytes: number,
): Promise<UploadPoint | 'done'> {
  const uploader = new BlobUploader(ends.target, ends.targetRepository);
  const key = sessionKey(ends, blob);
  if (!uploader.chunked || key === undefined)
    throw new AppError('INTERNAL', "a blob spans steps only into a job's chunked upload");
  const saved = await loadUploadSession(deps, key);
  const point = saved && saved.offset >= (from?.offset ?? 0) ? saved : from;
  let session: UploadSession | undefined;
  let held = 0;
  if (point) {
    session = { location: point.location, minChunk: point.minChunk };
    const status = await uploader.status(session).catch(() => undefined);
    if (status === undefined) session = undefined;
    else held = status;
  }
  if (!session) {
    if (await ends.target.headBlob(ends.targetRepository, blob.digest, { primary: true })) return 'done';
    session = await uploader.start();
    held = 0;
  }
  const response = await ends.source.getBlob(ends.sourceRepository, blob.digest, held > 0 ? { from: held } : {});
  if (held > 0 && !startsAt(response, held)) {
    await response.body?.cancel();
    throw new AppError(
      'UPSTREAM_UNAVAILABLE',
      `blob ${blob.digest}: the source does not resume at byte ${held} (no 206 for Range)`,
    );
  }
  const left = await uploader.put(session, blob.digest, blob.size, response.body!, {
    start: held,
    stopAfter: maxBytes,
    onChunk: new UploadRecorder(deps, key).chunk,
  });
  if (!left) {
    await forgetUploadSession(deps, key);
    return 'done';
  }
  return {
    location: left.session.location,
    offset: left.offset,
    ...(left.session.minChunk ? { minChunk: left.session.minChunk } : {}),
  };
}
