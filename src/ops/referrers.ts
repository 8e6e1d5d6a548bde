// Referrers of a manifest (signatures, SBOMs, attestations, promotion records): found through the OCI 1.1
// referrers API where a registry has it, and otherwise through the `sha256-<hex>` tag fallback: an index
// that whoever pushes a referrer keeps up to date (distribution 2.8 and other pre-1.1 registries).

import { isAppError } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import { MediaType, parseManifest, type Descriptor } from '../registry/manifest.js';

/** The fallback tag for `digest`; cosign's `.sig`, `.att` and `.sbom` tags are built on it too. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

async function readFallback(client: RegistryClient, repository: string, digest: string): Promise<Descriptor[]> {
  try {
    const index = await client.getManifest(repository, referrersTag(digest));
    const parsed = parseManifest(index.bytes, index.mediaType);
    return parsed.kind === 'index' ? parsed.manifests : [];
  } catch (error) {
    if (isAppError(error) && error.code === 'NOT_FOUND') return [];
    throw error;
  }
}

/** Everything that refers to `digest` in the repository. */
export async function listReferrers(client: RegistryClient, repository: string, digest: string): Promise<Descriptor[]> {
  return (await client.referrers(repository, digest)) ?? readFallback(client, repository, digest);
}

/**
 * Makes referrers already pushed (their manifests name `digest` as `subject`) findable: a registry with the
 * referrers API lists them by itself; otherwise they are merged into the fallback index, keeping the
 * entries it has. (Read-modify-write: two writers at the same instant can lose one entry; the manifests
 * themselves stay.)
 */
export async function indexReferrers(client: RegistryClient, repository: string, digest: string, added: Descriptor[]): Promise<void> {
  if (!added.length) return;
  if ((await client.referrers(repository, digest, { primary: true })) !== null) return;
  const existing = await readFallback(client, repository, digest);
  const known = new Set(existing.map((d) => d.digest));
  const fresh = added.filter((d) => !known.has(d.digest));
  if (!fresh.length) return;
  const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...existing, ...fresh] }));
  await client.putManifest(repository, referrersTag(digest), index, MediaType.OciIndex);
}
