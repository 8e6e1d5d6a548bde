// Stream pieces for blob transfer: in-flight verification, known lengths, and slicing into chunks.
// Every piece passes chunks through as they come, so memory stays flat whatever the blob size.

import { AppError } from '../errors.js';
import { createSha256Digester } from './digest.js';

/**
 * Hashes bytes in flight and fails the stream at its end when digest or size differ from the descriptor,
 * so the upload it feeds is aborted instead of completed.
 */
export function verifier(
  expectedDigest: string,
  expectedSize: number,
  what: string,
): TransformStream<Uint8Array, Uint8Array> {
  if (!expectedDigest.startsWith('sha256:')) return new TransformStream();
  const digester = createSha256Digester();
  let size = 0;
  return new TransformStream({
    async transform(chunk, controller) {
      size += chunk.byteLength;
      await digester.update(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      const actual = await digester.digest();
      if (actual !== expectedDigest || size !== expectedSize) {
        throw new AppError(
          'DIGEST_MISMATCH',
          `${what}: received ${size} bytes hashing to ${actual}, expected ${expectedSize} bytes of ${expectedDigest}`,
          {
            details: { expected: expectedDigest, actual },
          },
        );
      }
    },
  });
}

interface FixedLengthStreamCtor {
  new (length: number): TransformStream<Uint8Array, Uint8Array>;
}

/**
 * A body whose length the runtime can announce as Content-Length. Runtime seam: workerd sends a stream
 * body with a length only when it comes from FixedLengthStream; elsewhere the caller sets the header.
 */
export function withKnownLength(stream: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  const Fixed = (globalThis as unknown as { FixedLengthStream?: FixedLengthStreamCtor }).FixedLengthStream;
  return Fixed ? stream.pipeThrough(new Fixed(length)) : stream;
}

/**
 * Reads a source stream as consecutive slices of at most `size` bytes; each slice is a stream of its own,
 * pulled only while its request sends it (a leftover part of a read is kept for the next slice).
 */
export class StreamSlicer {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #leftover: Uint8Array | undefined;
  #done = false;

  constructor(source: ReadableStream<Uint8Array>) {
    this.#reader = source.getReader();
  }

  /** True once the source is exhausted and nothing is left over. */
  async finished(): Promise<boolean> {
    if (this.#leftover?.byteLength) return false;
    if (this.#done) return true;
    const { done, value } = await this.#reader.read();
    if (done) this.#done = true;
    else this.#leftover = value;
    return this.#done && !this.#leftover?.byteLength;
  }

  next(size: number): ReadableStream<Uint8Array> {
    let remaining = size;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          // A slice whose request failed is cancelled under a pending read; whatever fails after that
          // (the read, an enqueue into the cancelled slice) belongs to the failed upload, which reports it.
          try {
            if (remaining === 0) return controller.close();
            let chunk = this.#leftover;
            this.#leftover = undefined;
            if (!chunk) {
              const { done, value } = await this.#reader.read();
              if (done) {
                this.#done = true;
                return controller.close();
              }
              chunk = value;
            }
            if (chunk.byteLength > remaining) {
              this.#leftover = chunk.subarray(remaining);
              chunk = chunk.subarray(0, remaining);
            }
            remaining -= chunk.byteLength;
            controller.enqueue(chunk);
            if (remaining === 0) controller.close();
          } catch (error) {
            try {
              controller.error(error);
            } catch {
              // cancelled already
            }
          }
        },
        // Nothing is read ahead: a slice is pulled only while its request sends it.
      },
      { highWaterMark: 0 },
    );
  }

  cancel(reason?: unknown): Promise<void> {
    return this.#reader.cancel(reason);
  }
}
