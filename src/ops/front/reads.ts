// What the registry front serves of an upstream repository: manifests (exact bytes), blobs (streamed, a
// range passed on), tag pages and referrers, each read through the registry clients, with their egress
// rules, deadlines and caches.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { isValidDigest, isValidTag } from '../../reference.js';
import { MediaType } from '../../registry/manifest.js';
import { readManifest } from '../inspect/index.js';
import { listReferrers } from '../referrers.js';
import { registryClient } from '../registries/index.js';
import type { FrontName } from './names.js';

function checkReference(reference: string): 'tag' | 'digest' {
  if (isValidDigest(reference)) return 'digest';
  if (isValidTag(reference)) return 'tag';
  throw new AppError('INVALID_REFERENCE', `"${reference}" is neither a tag nor a digest`);
}

/** A manifest by tag or digest, its bytes exactly as the upstream has them. */
export async function frontManifest(
  deps: Deps,
  name: FrontName,
  reference: string,
): Promise<{ bytes: Uint8Array; mediaType: string; digest: string }> {
  const at = checkReference(reference) === 'digest' ? `@${reference}` : `:${reference}`;
  const { bytes, mediaType, digest } = await readManifest(deps, `${name.registry}/${name.repository}${at}`);
  return { bytes, mediaType, digest };
}

function checkDigest(digest: string): void {
  if (!isValidDigest(digest))
    throw new AppError('INVALID_REFERENCE', `"${digest}" is not a digest`, {
      details: { registryCode: 'DIGEST_INVALID' },
    });
}

/** A blob's size, or null when the upstream has none by that digest. */
export async function frontBlobSize(deps: Deps, name: FrontName, digest: string): Promise<number | null> {
  checkDigest(digest);
  return (await registryClient(deps, name.registry).headBlob(name.repository, digest))?.size ?? null;
}

/** A blob's bytes as the upstream streams them; `range` (a `Range` header) passed on, for a 206. */
export function frontBlob(deps: Deps, name: FrontName, digest: string, range?: string): Promise<Response> {
  checkDigest(digest);
  return registryClient(deps, name.registry).getBlob(name.repository, digest, range ? { range } : {});
}

/** One page of tags, in lexical order, and where the next one starts. */
export async function frontTags(
  deps: Deps,
  name: FrontName,
  page: { n?: number; last?: string },
): Promise<{ tags: string[]; next?: string }> {
  const found = await registryClient(deps, name.registry).listTags(name.repository, {
    ...(page.n !== undefined ? { n: page.n } : {}),
    ...(page.last !== undefined ? { last: page.last } : {}),
  });
  // The spec's order is lexical; a registry that lists in storage order and ignores `last` (distribution 2.8
  // without `n`) is put in it. A page asked with `n` comes so from the client already.
  const after = (t: string) => page.last === undefined || t > page.last;
  const tags = page.n === undefined ? [...found.tags].sort().filter(after) : found.tags;
  return { tags, ...(found.next !== undefined ? { next: found.next } : {}) };
}

/**
 * The referrers of `digest` as an OCI image index (empty when none): from the upstream's referrers API, or
 * its `sha256-<hex>` tag where it has none. `artifactType` keeps only those of that type.
 */
export async function frontReferrers(
  deps: Deps,
  name: FrontName,
  digest: string,
  artifactType?: string,
): Promise<{ index: Record<string, unknown>; filtered: boolean }> {
  checkDigest(digest);
  const all = await listReferrers(registryClient(deps, name.registry), name.repository, digest);
  const manifests = artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
  return {
    index: { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests },
    filtered: artifactType !== undefined,
  };
}
