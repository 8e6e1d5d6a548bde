// Request bodies from callers and webhook senders: capped in bytes while they are read, and read within a
// deadline, on every runtime (a caller without grants must not make Ferry buffer 150 MB or hold a socket).

import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { BodyTimeoutError, BodyTooLargeError, readLimited } from '../registry/body.js';

/** An API request is a few references and options; anything bigger is not one. */
export const MAX_API_BODY_BYTES = 64 * 1024;

export async function readBodyBytes(request: Request, deps: Deps, maxBytes: number): Promise<Uint8Array> {
  try {
    return await readLimited(request, maxBytes, deps.config.limits.bodyTimeoutMs);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new AppError('PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
    if (error instanceof BodyTimeoutError)
      throw new AppError('REQUEST_TIMEOUT', `the body did not arrive within ${Math.round(error.ms / 1000)} s`);
    throw new AppError('INVALID_REQUEST', 'the body could not be read');
  }
}

/** The JSON body of an API request (at most 64 KiB, within the body deadline); `empty`: what no body means. */
export async function readJsonBody(request: Request, deps: Deps, options: { empty?: unknown } = {}): Promise<unknown> {
  const bytes = await readBodyBytes(request, deps, MAX_API_BODY_BYTES);
  if (!bytes.byteLength && 'empty' in options) return options.empty;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new AppError('INVALID_REQUEST', 'the body is not valid JSON');
  }
}
