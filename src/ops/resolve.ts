// Resolves a reference to a digest and fetches manifests by digest, through the KV caches (best-effort:
// a cache that fails is a miss, and its writes happen after the response).

import type { Deps } from '../deps.js';
import { cacheDelete, cacheRead, cacheWrite } from '../kv/cache.js';
import { getManifestRecord, getTagDigest, putManifestRecord, putTagDigest, recordKeys } from '../kv/records.js';
import type { FetchedManifest } from '../registry/client.js';
import { parseManifest, type ParsedManifest } from '../registry/manifest.js';
import type { ImageReference } from '../reference.js';
import { registryClient } from './registries/index.js';

export interface ResolvedManifest extends FetchedManifest {
  parsed: ParsedManifest;
}

export interface ManifestOptions {
  /** Keep what was fetched in the manifest cache (inspection); a copy does not, it reads each manifest once. */
  remember?: boolean;
}

/** The digest a reference points at now: its own digest, a briefly cached tag, or the registry's answer. */
export async function resolveDigest(
  deps: Deps,
  ref: ImageReference,
): Promise<{ digest: string; fetched?: ResolvedManifest }> {
  if (ref.digest) return { digest: ref.digest };
  const tag = ref.tag ?? 'latest';
  const tagKey = recordKeys.tag(ref.registry, ref.repository, tag);
  const cached =
    deps.config.tagTtlSeconds > 0
      ? await cacheRead(deps, 'tag', () => getTagDigest(deps.kv, tagKey, deps.now()))
      : null;
  if (cached) return { digest: cached };
  const fetched = await fetchManifest(deps, ref.registry, ref.repository, tag, { remember: true });
  rememberTag(deps, ref.registry, ref.repository, tag, fetched.digest);
  return { digest: fetched.digest, fetched };
}

/** Caches a tag's digest for `cache.tagTtlSeconds` (the record carries its expiry, checked on read). */
export function rememberTag(deps: Deps, registry: string, repository: string, tag: string, digest: string): void {
  const ttl = deps.config.tagTtlSeconds;
  if (ttl <= 0) return;
  const key = recordKeys.tag(registry, repository, tag);
  const now = deps.now();
  cacheWrite(deps, 'tag', key, () => putTagDigest(deps.kv, key, digest, ttl, now));
}

/** Drops a tag's cached digest: the tag was deleted (or moved) here. */
export function forgetTag(deps: Deps, registry: string, repository: string, tag: string): void {
  cacheDelete(deps, 'tag', recordKeys.tag(registry, repository, tag));
}

/** A manifest by digest: immutable, so served from KV when Ferry has seen it in this repository. */
export async function manifestByDigest(
  deps: Deps,
  registry: string,
  repository: string,
  digest: string,
  options: ManifestOptions = {},
): Promise<ResolvedManifest> {
  const cached = await cacheRead(deps, 'manifest', () =>
    getManifestRecord(deps.kv, recordKeys.manifest(registry, repository, digest)),
  );
  if (cached) return { ...cached, parsed: parseManifest(cached.bytes, cached.mediaType) };
  return fetchManifest(deps, registry, repository, digest, options);
}

/** GETs a manifest (by tag or digest) from the registry, parsed; cached by digest when asked. */
export async function fetchManifest(
  deps: Deps,
  registry: string,
  repository: string,
  reference: string,
  options: ManifestOptions = {},
): Promise<ResolvedManifest> {
  const client = registryClient(deps, registry);
  const fetched = await client.getManifest(repository, reference);
  const parsed = parseManifest(fetched.bytes, fetched.mediaType);
  const manifest = { ...fetched, mediaType: parsed.mediaType };
  if (options.remember !== false) {
    const key = recordKeys.manifest(client.registryKey, repository, fetched.digest);
    cacheWrite(deps, 'manifest', key, () => putManifestRecord(deps.kv, key, manifest));
  }
  return { ...manifest, parsed };
}
