// Content digests: computing and checking "sha256:<hex>" over bytes.

import { toHex } from '../encoding.js';
import { AppError } from '../errors.js';
import { Sha256 } from './sha256.js';

const ALGORITHMS: Record<string, string> = { sha256: 'SHA-256', sha512: 'SHA-512' };

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

export interface Digester {
  update(chunk: Uint8Array): Promise<void>;
  /** "sha256:<hex>" of everything passed to update. */
  digest(): Promise<string>;
}

interface DigestStreamLike extends WritableStream<Uint8Array> {
  readonly digest: Promise<ArrayBuffer>;
}

/**
 * An incremental sha256. Runtime seam: workerd's native crypto.DigestStream when present (fast, off the
 * JS thread), else the portable TypeScript implementation.
 */
export function createSha256Digester(): Digester {
  const Native = (crypto as unknown as { DigestStream?: new (algorithm: string) => DigestStreamLike }).DigestStream;
  if (Native) {
    const stream = new Native('SHA-256');
    const writer = stream.getWriter();
    return {
      update: (chunk) => writer.write(chunk),
      async digest() {
        await writer.close();
        return `sha256:${toHex(await stream.digest)}`;
      },
    };
  }
  const hash = new Sha256();
  return {
    async update(chunk) {
      hash.update(chunk);
    },
    async digest() {
      return `sha256:${hash.digestHex()}`;
    },
  };
}
