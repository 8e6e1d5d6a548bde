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
import type { RepositoryName } from '../../reference.js';
import type { FrontName } from './names.js';
import { noteQuota } from './quotas.js';

function checkReference(reference: string): 'tag' | 'digest' {
  if (isValidDigest(reference)) return 'digest';
  if (isValidTag(reference)) return 'tag';
  throw new AppError('INVALID_REFERENCE', `"${reference}" is neither a tag nor a digest`);
}

/** Where a manifest or blob came from: its upstream, or the registry that keeps what is pulled (`cacheInto`). */
export type Origin = 'upstream' | 'cache';

// The upstream failed (down, refusing, rate-limited), as opposed to answering that there is no such thing.
const upstreamFailed = (error: unknown) => error instanceof AppError && error.code.startsWith('UPSTREAM_');

/** Reads the cache first; a miss or a failing cache goes to the upstream, which then decides. */
async function cacheFirst<T>(deps: Deps, name: FrontName, read: (at: RepositoryName) => Promise<T | null>) {
  if (name.cache) {
    const cached = await read(name.cache).catch((error: unknown) => {
      if (!(error instanceof AppError && error.code === 'NOT_FOUND'))
        deps.log.warn('front: the cache registry failed; reading the upstream', {
          registry: name.cache!.registry,
          reason: error instanceof Error ? error.message : 'unknown',
        });
      return null;
    });
    if (cached !== null) return { found: cached, from: 'cache' as Origin };
  }
  return { found: await read(name), from: 'upstream' as Origin };
}

const manifestAt = async (deps: Deps, at: RepositoryName, reference: string) => {
  const read = await readManifest(deps, `${at.registry}/${at.repository}${reference}`);
  if (read.rateLimit) noteQuota(at.registry, read.rateLimit, deps.now());
  return { bytes: read.bytes, mediaType: read.mediaType, digest: read.digest };
};

// Edge cache keys are URLs (the Cache API keys by URL) under a host no client reaches.
const EDGE = 'https://cache.ferry.invalid';
const edgeKey = (name: FrontName, digest: string) => `${EDGE}/manifests/${name.registry}/${name.repository}@${digest}`;

type Manifest = { bytes: Uint8Array; mediaType: string; digest: string };

/** A manifest by digest as the edge cache keeps it (immutable: content-addressed), or null. */
async function edgeManifest(deps: Deps, name: FrontName, digest: string): Promise<Manifest | null> {
  const hit = await deps.edgeCache?.match(edgeKey(name, digest)).catch(() => undefined);
  if (!hit) return null;
  const bytes = new Uint8Array(await hit.arrayBuffer());
  return { bytes, mediaType: hit.headers.get('content-type') ?? '', digest };
}

function keepAtEdge(deps: Deps, name: FrontName, manifest: Manifest): void {
  const cache = deps.edgeCache;
  if (!cache) return;
  const headers = { 'content-type': manifest.mediaType, 'cache-control': 'public, max-age=31536000, immutable' };
  const response = new Response(manifest.bytes as Uint8Array<ArrayBuffer>, { headers });
  deps.defer(cache.put(edgeKey(name, manifest.digest), response).catch(() => undefined));
}

/**
 * A manifest by tag or digest, its bytes exactly as the upstream has them. By digest, the cache is read
 * first; by tag, the upstream decides, and the cache answers only when the upstream failed.
 */
export async function frontManifest(
  deps: Deps,
  name: FrontName,
  reference: string,
): Promise<{ bytes: Uint8Array; mediaType: string; digest: string; from: Origin }> {
  if (checkReference(reference) === 'digest') {
    const kept = await edgeManifest(deps, name, reference);
    if (kept) return { ...kept, from: 'upstream' };
    const { found, from } = await cacheFirst(deps, name, (at) => manifestAt(deps, at, `@${reference}`));
    keepAtEdge(deps, name, found!);
    return { ...found!, from };
  }
  try {
    return { ...(await manifestAt(deps, name, `:${reference}`)), from: 'upstream' };
  } catch (error) {
    if (!name.cache || !upstreamFailed(error)) throw error;
    const kept = await manifestAt(deps, name.cache, `:${reference}`).catch(() => null);
    if (!kept) throw error;
    deps.log.warn('front: the upstream failed; serving the tag from the cache registry', {
      upstream: name.registry,
      reason: error instanceof Error ? error.message : 'unknown',
    });
    return { ...kept, from: 'cache' };
  }
}

function checkDigest(digest: string): void {
  if (!isValidDigest(digest))
    throw new AppError('INVALID_REFERENCE', `"${digest}" is not a digest`, {
      details: { registryCode: 'DIGEST_INVALID' },
    });
}

/** A blob's size (the cache's first), or null when the upstream has none by that digest. */
export async function frontBlobSize(deps: Deps, name: FrontName, digest: string): Promise<number | null> {
  checkDigest(digest);
  const { found } = await cacheFirst(deps, name, async (at) => {
    const size = (await registryClient(deps, at.registry).headBlob(at.repository, digest))?.size;
    return size ?? null;
  });
  return found;
}

/**
 * A blob's bytes as the cache or the upstream streams them; `range` (a `Range` header) passed on, for a 206.
 * Where the alias passes blob redirects on, a redirect to storage comes back as a 307 naming it.
 */
export async function frontBlob(deps: Deps, name: FrontName, digest: string, range?: string): Promise<Response> {
  checkDigest(digest);
  const options = { ...(range ? { range } : {}), ...(name.passBlobRedirects ? { handBackRedirect: true } : {}) };
  const { found } = await cacheFirst(deps, name, (at) =>
    registryClient(deps, at.registry).getBlob(at.repository, digest, options),
  );
  return found!;
}

/**
 * Lists that change (tag pages, referrers) are kept at the edge this long: a burst of clients asking asks the
 * upstream once, and what is pushed or signed upstream shows within it.
 */
export const LIST_EDGE_SECONDS = 10;

/** `produce`'s answer, kept at the edge (the Workers Cache API) for LIST_EDGE_SECONDS under `key`. */
async function keptAtEdge<T>(deps: Deps, key: string, produce: () => Promise<T>): Promise<T> {
  const hit = await deps.edgeCache?.match(key).catch(() => undefined);
  if (hit) return (await hit.json()) as T;
  const answer = await produce();
  if (deps.edgeCache) {
    const headers = { 'content-type': 'application/json', 'cache-control': `public, max-age=${LIST_EDGE_SECONDS}` };
    deps.defer(deps.edgeCache.put(key, new Response(JSON.stringify(answer), { headers })).catch(() => undefined));
  }
  return answer;
}

/** One page of tags, in lexical order, and where the next one starts. */
export async function frontTags(
  deps: Deps,
  name: FrontName,
  page: { n?: number; last?: string },
): Promise<{ tags: string[]; next?: string }> {
  const query = new URLSearchParams({
    ...(page.n !== undefined ? { n: String(page.n) } : {}),
    ...(page.last !== undefined ? { last: page.last } : {}),
  });
  return keptAtEdge(deps, `${EDGE}/tags/${name.registry}/${name.repository}?${query}`, async () => {
    const found = await registryClient(deps, name.registry).listTags(name.repository, {
      ...(page.n !== undefined ? { n: page.n } : {}),
      ...(page.last !== undefined ? { last: page.last } : {}),
    });
    // The spec's order is lexical; a registry that lists in storage order and ignores `last` (distribution
    // 2.8 without `n`) is put in it. A page asked with `n` comes so from the client already.
    const after = (t: string) => page.last === undefined || t > page.last;
    const tags = page.n === undefined ? [...found.tags].sort().filter(after) : found.tags;
    return { tags, ...(found.next !== undefined ? { next: found.next } : {}) };
  });
}

/**
 * The referrers of `digest` as an OCI image index (empty when none): from the upstream's referrers API, or
 * its `sha256-<hex>` tag where it has none. `artifactType` keeps only those of that type. Not immutable
 * although named by a digest: a signature or an SBOM may be attached to it at any time.
 */
export async function frontReferrers(
  deps: Deps,
  name: FrontName,
  digest: string,
  artifactType?: string,
): Promise<{ index: Record<string, unknown>; filtered: boolean }> {
  checkDigest(digest);
  const all = await keptAtEdge(deps, `${EDGE}/referrers/${name.registry}/${name.repository}/${digest}`, () =>
    listReferrers(registryClient(deps, name.registry), name.repository, digest),
  );
  const manifests = artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
  return {
    index: { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests },
    filtered: artifactType !== undefined,
  };
}
