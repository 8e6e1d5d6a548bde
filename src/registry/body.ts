// Reads bodies into memory only up to a cap, so a hostile or broken peer cannot exhaust memory.

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body exceeds ${limit} bytes`);
  }
}

export class BodyTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`body not complete within ${ms} ms`);
  }
}

/**
 * Reads a response's (or a request's) whole body, refusing one larger than `limit` bytes, or (with
 * `deadlineMs`) one that has not arrived in full by then: a sender trickling bytes holds nothing for long.
 */
export async function readLimited(
  response: Pick<Response, 'headers' | 'body'>,
  limit: number,
  deadlineMs?: number,
): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw new BodyTooLargeError(limit);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired =
    deadlineMs === undefined
      ? undefined
      : new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            // first: cancelling ends the pending read as if the body were complete
            reject(new BodyTimeoutError(deadlineMs));
            reader.cancel().catch(() => undefined);
          }, deadlineMs);
        });
  expired?.catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await (expired ? Promise.race([reader.read(), expired]) : reader.read());
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel();
        throw new BodyTooLargeError(limit);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Drops a body we do not need: cancelled, not read to its end (a peer could trickle it for ever). */
export async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // nothing to do: the body is gone either way
  }
}
