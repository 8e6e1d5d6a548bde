// A blob body that survives a broken or stalled source: it resumes with `Range: bytes=N-` from the byte it
// got to, so the consumer (the upload) sees neither a gap nor a repeated byte.

import { AppError } from '../errors.js';
import type { RegistryClient } from './client.js';

export interface ResumeOptions {
  /** A read that brings nothing for this long counts as a broken connection. */
  idleTimeoutMs: number;
  maxResumes: number;
  onResume?: (offset: number) => void;
  /** Called after each chunk with the bytes passed on so far: metering at no extra stream hop. */
  onProgress?: (offset: number) => void;
}

class IdleTimeout extends Error {}

// Reads of at least this much (where the runtime can: workerd's readAtLeast) keep the JS cost per byte low.
const READ_AT_LEAST = 256 * 1024;
const READ_BUFFER = 1024 * 1024;

interface BlobReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

/** A reader that asks for big reads where the runtime allows it (workerd), else the default reader. */
function blobReader(stream: ReadableStream<Uint8Array>): BlobReader {
  try {
    const byob = stream.getReader({ mode: 'byob' }) as ReadableStreamBYOBReader & {
      readAtLeast?: (min: number, view: Uint8Array) => Promise<ReadableStreamReadResult<Uint8Array>>;
    };
    if (typeof byob.readAtLeast === 'function') {
      return {
        read: () => byob.readAtLeast!(READ_AT_LEAST, new Uint8Array(READ_BUFFER)),
        cancel: (r) => byob.cancel(r),
      };
    }
    byob.releaseLock();
  } catch {
    // not a byte stream: the default reader it is
  }
  return stream.getReader();
}

function readWithin(reader: BlobReader, ms: number): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IdleTimeout(`no bytes for ${ms} ms`)), ms);
  });
  return Promise.race([reader.read(), idle]).finally(() => clearTimeout(timer));
}

/** True when a 206 answer starts exactly at `offset` (a registry may ignore Range and send 200 from 0). */
export function startsAt(response: Response, offset: number): boolean {
  return (
    response.status === 206 &&
    (response.headers.get('content-range') ?? '').replace(/^bytes\s+/, '').startsWith(`${offset}-`)
  );
}

export interface ResumableBody {
  /** The bytes, with the blob's length known to the runtime (FixedLengthStream on workerd). */
  stream: ReadableStream<Uint8Array>;
  /** Why the stream failed, when it did. */
  readonly error: AppError | undefined;
}

/**
 * Pumps the source into a length-carrying pipe, resuming with Range when the download breaks or stalls.
 * The pump writes into the pipe directly (no JS stream in front of it), which keeps the per-chunk cost to
 * one write; the pipe's backpressure still paces the download.
 */
export function resumableBlobBody(
  client: RegistryClient,
  repository: string,
  digest: string,
  size: number,
  first: Response,
  options: ResumeOptions,
): ResumableBody {
  const { readable, writable } = lengthPipe(size);
  const writer = writable.getWriter();
  const state: { error: AppError | undefined } = { error: undefined };
  const what = `blob ${client.registryKey}/${repository}@${digest}`;
  let reader = blobReader(first.body ?? new Blob([]).stream());
  let offset = 0;
  let resumes = 0;

  const resume = async (cause: unknown): Promise<void> => {
    reader.cancel().catch(() => undefined);
    if (resumes >= options.maxResumes) {
      throw new AppError(
        'UPSTREAM_UNAVAILABLE',
        `${what}: the download broke ${resumes + 1} times (${cause instanceof Error ? cause.message : 'error'})`,
        { cause },
      );
    }
    resumes++;
    options.onResume?.(offset);
    const response = await client.getBlob(repository, digest, { from: offset });
    if (!startsAt(response, offset)) {
      await response.body?.cancel();
      throw new AppError(
        'UPSTREAM_UNAVAILABLE',
        `${what}: the download broke at byte ${offset} and the source does not resume (no 206 for Range)`,
      );
    }
    reader = blobReader(response.body!);
  };

  const pump = async () => {
    while (offset < size) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await readWithin(reader, options.idleTimeoutMs);
        if (result.done) throw new Error(`the body ended at byte ${offset} of ${size}`);
      } catch (error) {
        await resume(error);
        continue;
      }
      const chunk = result.value.byteLength > size - offset ? result.value.subarray(0, size - offset) : result.value;
      offset += chunk.byteLength;
      await writer.write(chunk);
      options.onProgress?.(offset);
    }
    await reader.cancel().catch(() => undefined); // anything past `size` is not ours to send
    await writer.close();
  };
  pump().catch(async (error: unknown) => {
    state.error =
      error instanceof AppError
        ? error
        : new AppError('UPSTREAM_UNAVAILABLE', `${what}: ${error instanceof Error ? error.message : 'failed'}`);
    reader.cancel().catch(() => undefined);
    await writer.abort(state.error).catch(() => undefined);
  });
  return {
    stream: readable,
    get error() {
      return state.error;
    },
  };
}

interface FixedLengthStreamCtor {
  new (length: number): TransformStream<Uint8Array, Uint8Array>;
}

/** Runtime seam: workerd's FixedLengthStream lets fetch send the length; elsewhere a plain identity pipe. */
function lengthPipe(size: number): TransformStream<Uint8Array, Uint8Array> {
  const Fixed = (globalThis as unknown as { FixedLengthStream?: FixedLengthStreamCtor }).FixedLengthStream;
  return Fixed ? new Fixed(size) : new TransformStream<Uint8Array, Uint8Array>();
}
