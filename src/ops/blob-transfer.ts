// Moves one blob to the target, cheapest way first: already there, mount from the source repository,
// mount from a repository Ferry saw it in (KV), else stream source GET into the target upload.

import type { Deps } from '../deps.js';
import { AppError, isAppError } from '../errors.js';
import { addBlobLocation, getBlobLocations } from '../kv/records.js';
import type { RegistryClient } from '../registry/client.js';
import { meter, verifier } from '../registry/streams.js';
import { BlobUploader, type UploadSession } from '../registry/upload.js';
import type { CopyReporter } from './copy-events.js';
import type { PlannedBlob } from './copy-plan.js';

// Progress at most this often per blob: enough for a progress bar, little enough for a slow client.
const PROGRESS_INTERVAL_MS = 500;
// Mount attempts from remembered repositories before streaming instead.
const MAX_MOUNT_CANDIDATES = 3;

export interface BlobEnds {
  source: RegistryClient;
  sourceRepository: string;
  target: RegistryClient;
  targetRepository: string;
  verify: boolean;
}

export async function transferBlob(deps: Deps, ends: BlobEnds, blob: PlannedBlob, reporter: CopyReporter): Promise<void> {
  try {
    await transfer(deps, ends, blob, reporter);
  } catch (error) {
    const base = isAppError(error) ? error : new AppError('UPSTREAM_UNAVAILABLE', String(error), { cause: error });
    throw new AppError(base.code, `blob ${blob.digest}: ${base.message}`, { status: base.status, cause: error, details: { ...base.details, blob: blob.digest } });
  }
}

async function transfer(deps: Deps, ends: BlobEnds, blob: PlannedBlob, reporter: CopyReporter): Promise<void> {
  const { source, target, sourceRepository, targetRepository } = ends;
  const remember = () => addBlobLocation(deps.kv, target.registryKey, blob.digest, targetRepository);
  if (await target.headBlob(targetRepository, blob.digest, { primary: true })) {
    reporter.emit({ type: 'skipped', blob: blob.digest, size: blob.size });
    return remember();
  }
  const uploader = new BlobUploader(target, targetRepository);
  const candidates: string[] = [];
  if (source.registryKey === target.registryKey) candidates.push(sourceRepository);
  for (const repo of await getBlobLocations(deps.kv, target.registryKey, blob.digest)) {
    if (repo !== targetRepository && !candidates.includes(repo)) candidates.push(repo);
  }
  let session: UploadSession | undefined;
  for (const from of candidates.slice(0, MAX_MOUNT_CANDIDATES)) {
    if (session) await uploader.cancel(session);
    const opened = await uploader.open({ digest: blob.digest, repository: from });
    if (opened.mounted) {
      reporter.emit({ type: 'mounted', blob: blob.digest, size: blob.size, from: `${target.registryKey}/${from}` });
      return remember();
    }
    session = opened.session; // the registry could not mount: it opened a plain upload instead
  }
  const open = session ?? (await uploader.start());
  try {
    await stream(ends, blob, uploader, open, reporter, deps);
  } catch (error) {
    await uploader.cancel(open);
    throw error;
  }
  await remember();
  await addBlobLocation(deps.kv, source.registryKey, blob.digest, sourceRepository);
}

async function stream(ends: BlobEnds, blob: PlannedBlob, uploader: BlobUploader, session: UploadSession, reporter: CopyReporter, deps: Deps): Promise<void> {
  const response = await ends.source.getBlob(ends.sourceRepository, blob.digest);
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
  if (ends.verify) body = body.pipeThrough(verifier(blob.digest, size, `blob ${blob.digest}`));
  if (reporter.wantsProgress) {
    let last = deps.now();
    body = body.pipeThrough(
      meter((bytes) => {
        const now = deps.now();
        if (now - last >= PROGRESS_INTERVAL_MS && bytes < size) {
          last = now;
          reporter.emit({ type: 'progress', blob: blob.digest, bytes, size });
        }
      }),
    );
  }
  const profile = ends.target.transport.registry?.upload;
  const failure = trackStreamError(body);
  try {
    if (profile?.mode === 'chunked') await uploader.putChunked(session, blob.digest, size, failure.stream, profile);
    else await uploader.putMonolithic(session, blob.digest, size, failure.stream);
  } catch (error) {
    // When our own stream failed (a digest mismatch found in flight), that is the error to report.
    throw failure.error ?? error;
  }
  reporter.emit({ type: 'done', blob: blob.digest, size });
}

/** Keeps the error a body stream failed with, since fetch reports a failed request body only vaguely. */
function trackStreamError(stream: ReadableStream<Uint8Array>): { stream: ReadableStream<Uint8Array>; readonly error: AppError | undefined } {
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
