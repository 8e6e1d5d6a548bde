// Resolves a reference to a digest and fetches manifests by digest, through the KV caches.

import type { Deps } from '../deps.js';
import { getManifestRecord, getTagDigest, putManifestRecord, putTagDigest, recordKeys } from '../kv/records.js';
import { registryClient, type FetchedManifest, type RegistryClient } from '../registry/client.js';
import { parseManifest, type ParsedManifest } from '../registry/manifest.js';
import type { ImageReference } from '../registry/reference.js';

export interface ResolvedManifest extends FetchedManifest {
  parsed: ParsedManifest;
}

/** The digest a reference points at now: its own digest, a briefly cached tag, or the registry's answer. */
export async function resolveDigest(deps: Deps, ref: ImageReference): Promise<{ digest: string; fetched?: ResolvedManifest }> {
  if (ref.digest) return { digest: ref.digest };
  const tag = ref.tag ?? 'latest';
  const tagKey = recordKeys.tag(ref.registry, ref.repository, tag);
  const cached = deps.config.tagTtlSeconds > 0 ? await getTagDigest(deps.kv, tagKey) : null;
  if (cached) return { digest: cached };
  const client = registryClient(deps, ref.registry);
  const fetched = await fetchAndCache(deps, client, ref.repository, tag);
  await putTagDigest(deps.kv, tagKey, fetched.digest, deps.config.tagTtlSeconds);
  return { digest: fetched.digest, fetched };
}

/** A manifest by digest: immutable, so served from KV when Ferry has seen it in this repository. */
export async function manifestByDigest(deps: Deps, registry: string, repository: string, digest: string): Promise<ResolvedManifest> {
  const cached = await getManifestRecord(deps.kv, recordKeys.manifest(registry, repository, digest));
  if (cached) return { ...cached, parsed: parseManifest(cached.bytes, cached.mediaType) };
  return fetchAndCache(deps, registryClient(deps, registry), repository, digest);
}

async function fetchAndCache(deps: Deps, client: RegistryClient, repository: string, reference: string): Promise<ResolvedManifest> {
  const fetched = await client.getManifest(repository, reference);
  const parsed = parseManifest(fetched.bytes, fetched.mediaType);
  const manifest = { ...fetched, mediaType: parsed.mediaType };
  await putManifestRecord(deps.kv, recordKeys.manifest(client.registryKey, repository, fetched.digest), manifest);
  return { ...manifest, parsed };
}
