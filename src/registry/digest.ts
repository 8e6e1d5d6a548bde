// Content digests: computing and checking "sha256:<hex>" over bytes.

import { AppError } from '../errors.js';

const ALGORITHMS: Record<string, string> = { sha256: 'SHA-256', sha512: 'SHA-512' };

function toHex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function computeDigest(bytes: Uint8Array, algorithm = 'sha256'): Promise<string> {
  const name = ALGORITHMS[algorithm];
  if (name === undefined) throw new AppError('UPSTREAM_PROTOCOL', `unsupported digest algorithm "${algorithm}"`);
  return `${algorithm}:${toHex(await crypto.subtle.digest(name, bytes as BufferSource))}`;
}

export function digestAlgorithm(digest: string): string {
  return digest.slice(0, digest.indexOf(':'));
}

/** Throws DIGEST_MISMATCH unless the bytes hash to `expected`; returns the digest. */
export async function verifyDigest(bytes: Uint8Array, expected: string, what: string): Promise<string> {
  const actual = await computeDigest(bytes, digestAlgorithm(expected));
  if (actual !== expected) {
    throw new AppError('DIGEST_MISMATCH', `${what}: content hashes to ${actual}, expected ${expected}`, {
      details: { expected, actual },
    });
  }
  return actual;
}
