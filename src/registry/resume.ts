// A blob body that survives a broken or stalled source: it resumes with `Range: bytes=N-` from the byte it
// got to, so the consumer (the upload) sees neither a gap nor a repeated byte.

import { AppError } from '../errors.js';
import type { RegistryClient } from './client.js';

export interface ResumeOptions {
  /** A read that brings nothing for this long counts as a broken connection. */
  idleTimeoutMs: number;
  maxResumes: number;
  onResume?: (offset: number) => void;
}

class IdleTimeout extends Error {}

function readWithin<T>(reader: ReadableStreamDefaultReader<T>, ms: number): Promise<ReadableStreamReadResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IdleTimeout(`no bytes for ${ms} ms`)), ms);
  });
  return Promise.race([reader.read(), idle]).finally(() => clearTimeout(timer));
}

/** True when a 206 answer starts exactly at `offset` (a registry may ignore Range and send 200 from 0). */
function startsAt(response: Response, offset: number): boolean {
  return response.status === 206 && (response.headers.get('content-range') ?? '').replace(/^bytes\s+/, '').startsWith(`${offset}-`);
}

export function resumableBlobBody(
  client: RegistryClient,
  repository: string,
  digest: string,
  size: number,
  first: Response,
  options: ResumeOptions,
): ReadableStream<Uint8Array> {
  let reader = (first.body ?? new Blob([]).stream()).getReader();
  let offset = 0;
  let resumes = 0;
  const what = `blob ${client.registryKey}/${repository}@${digest}`;

  const resume = async (cause: unknown): Promise<void> => {
    reader.cancel().catch(() => undefined);
    if (resumes >= options.maxResumes) {
      throw new AppError('UPSTREAM_UNAVAILABLE', `${what}: the download broke ${resumes + 1} times (${cause instanceof Error ? cause.message : 'error'})`, { cause });
    }
    resumes++;
    options.onResume?.(offset);
    const response = await client.getBlob(repository, digest, { from: offset });
    if (!startsAt(response, offset)) {
      await response.body?.cancel();
      throw new AppError('UPSTREAM_UNAVAILABLE', `${what}: the download broke at byte ${offset} and the source does not resume (no 206 for Range)`);
    }
    reader = response.body!.getReader();
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        try {
          const { done, value } = await readWithin(reader, options.idleTimeoutMs);
          if (done) {
            if (offset < size) throw new Error(`the body ended at byte ${offset} of ${size}`);
            controller.close();
            return;
          }
          if (value.byteLength === 0) continue;
          offset += value.byteLength;
          controller.enqueue(value);
          return;
        } catch (error) {
          if (offset >= size && !(error instanceof IdleTimeout)) throw error;
          await resume(error);
        }
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
