// What the loopback registry serves: images read from a layout or an archive, and (for a target) blobs and
// manifests written into a layout. One shape for every transport, so one server speaks for all of them.

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isValidDigest } from '../../src/reference.js';
import { AirGapError } from './errors.js';

export interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface StoredBlob {
  size: number;
  /** The blob's bytes from `start` on, read from where they lie. */
  open(start?: number): Readable;
}

export interface ImageStore {
  /** Names the store's images go by, as tags (names a tag cannot hold are left out). */
  tags(): Promise<string[]>;
  /** By tag or by digest. */
  manifest(reference: string): Promise<StoredManifest | undefined>;
  blob(digest: string): Promise<StoredBlob | undefined>;
  /** A target's: where pushed blobs and manifests go. */
  writer?: StoreWriter;
}

export interface BlobUpload {
  /** Appends the body; the bytes received so far. */
  append(body: Readable): Promise<number>;
  /** Checks the bytes against the digest and keeps them as that blob. */
  commit(digest: string): Promise<void>;
  cancel(): Promise<void>;
}

export interface StoreWriter {
  upload(): Promise<BlobUpload>;
  /** A manifest by digest (a child of an index) or under a tag; its digest. */
  putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string>;
}

/** A tag as registries take it (distribution's grammar): other names stay out of the registry's view. */
export const isTag = (name: string) => /^[\w][\w.-]{0,127}$/.test(name);

export const sha256Of = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A blob's path in a layout, `blobs/<algorithm>/<hex>`, for a digest checked before it becomes a path. */
export function blobPath(digest: string): string {
  if (!isValidDigest(digest)) throw new AirGapError(`"${digest}" is not a digest`);
  const [algorithm, hex] = digest.split(':') as [string, string];
  return `blobs/${algorithm}/${hex}`;
}

/** A manifest's media type: the one it states, else what its shape says (OCI allows leaving it out). */
export function manifestMediaType(bytes: Buffer, described?: string): string {
  if (described) return described;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
    if (typeof parsed.mediaType === 'string') return parsed.mediaType;
    return Array.isArray(parsed.manifests)
      ? 'application/vnd.oci.image.index.v1+json'
      : 'application/vnd.oci.image.manifest.v1+json';
  } catch {
    return 'application/octet-stream';
  }
}
