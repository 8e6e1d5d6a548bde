// The only file that spells KV keys and the shapes of the records stored under them.

import { getJson, putJson, type KvStore } from './store.js';
import { fromBase64, toBase64 } from '../encoding.js';

const PREFIX = 'v1';

const JWKS_TTL_SECONDS = 24 * 3600;

// Content addressed by digest never changes: keep it long, but let unused entries age out.
export const IMMUTABLE_TTL_SECONDS = 30 * 24 * 3600;

export interface TokenRecord {
  token: string;
  /** Epoch milliseconds after which the token must not be used. */
  expiresAt: number;
}

export interface ManifestRecord {
  mediaType: string;
  digest: string;
  /** The raw manifest bytes, base64: manifests are bytes, never re-serialised JSON. */
  base64: string;
}

export const recordKeys = {
  token: (registry: string, credentialId: string, scopeId: string) =>
    `${PREFIX}:token:${registry}:${credentialId}:${scopeId}`,
  tag: (registry: string, repository: string, tag: string) => `${PREFIX}:tag:${registry}/${repository}:${tag}`,
  manifest: (registry: string, repository: string, digest: string) =>
    `${PREFIX}:manifest:${registry}/${repository}@${digest}`,
  imageLocations: (registry: string, digest: string) => `${PREFIX}:image-at:${registry}:${digest}`,
  jwks: (issuerId: string) => `${PREFIX}:jwks:${issuerId}`,
  /** A pull through the registry front, audited already (one record per caller, image and tag a while). */
  pullAudited: (caller: string, registry: string, repository: string, tag: string, digest: string) =>
    `${PREFIX}:pulled:${encodeURIComponent(caller)}:${registry}/${repository}:${tag}@${digest}`,
  inspect: (registry: string, repository: string, digest: string, platform: string | undefined) =>
    `${PREFIX}:inspect2:${registry}/${repository}@${digest}${platform ? `#${platform}` : ''}`,
};

export async function getToken(kv: KvStore, key: string, now: number): Promise<TokenRecord | null> {
  const record = await getJson<TokenRecord>(kv, key);
  return record && typeof record.token === 'string' && typeof record.expiresAt === 'number' && record.expiresAt > now
    ? record
    : null;
}

export async function putToken(kv: KvStore, key: string, record: TokenRecord, now: number): Promise<void> {
  const ttlSeconds = Math.ceil((record.expiresAt - now) / 1000);
  if (ttlSeconds > 0) await putJson(kv, key, record, { ttlSeconds });
}

/**
 * A tag resolution still fresh at `now`: the record carries its expiry, since Workers KV keeps entries 60 s at least.
 */
export async function getTagDigest(kv: KvStore, key: string, now: number): Promise<string | null> {
  const record = await getJson<{ digest: string; expiresAt?: number }>(kv, key);
  return record && typeof record.digest === 'string' && typeof record.expiresAt === 'number' && record.expiresAt > now
    ? record.digest
    : null;
}

export async function putTagDigest(
  kv: KvStore,
  key: string,
  digest: string,
  ttlSeconds: number,
  now: number,
): Promise<void> {
  if (ttlSeconds > 0) await putJson(kv, key, { digest, expiresAt: now + ttlSeconds * 1000 }, { ttlSeconds });
}

export async function getManifestRecord(
  kv: KvStore,
  key: string,
): Promise<{ mediaType: string; digest: string; bytes: Uint8Array } | null> {
  const record = await getJson<ManifestRecord>(kv, key);
  if (!record || typeof record.base64 !== 'string') return null;
  return { mediaType: record.mediaType, digest: record.digest, bytes: fromBase64(record.base64) };
}

export async function putManifestRecord(
  kv: KvStore,
  key: string,
  value: { mediaType: string; digest: string; bytes: Uint8Array },
): Promise<void> {
  const record: ManifestRecord = { mediaType: value.mediaType, digest: value.digest, base64: toBase64(value.bytes) };
  await putJson(kv, key, record, { ttlSeconds: IMMUTABLE_TTL_SECONDS });
}

export async function getInspectRecord<T>(kv: KvStore, key: string): Promise<T | null> {
  return getJson<T>(kv, key);
}

export async function putInspectRecord(kv: KvStore, key: string, value: unknown): Promise<void> {
  await putJson(kv, key, value, { ttlSeconds: IMMUTABLE_TTL_SECONDS });
}

// Like Docker's V2 metadata service: a few repositories are enough to find a mount source.
const MAX_IMAGE_LOCATIONS = 8;

/** Repositories of `registry` known to hold the image `digest` with all its blobs, most recent first. */
export async function getImageLocations(kv: KvStore, registry: string, digest: string): Promise<string[]> {
  const record = await getJson<{ repositories: string[] }>(kv, recordKeys.imageLocations(registry, digest));
  return Array.isArray(record?.repositories) ? record.repositories.filter((r) => typeof r === 'string') : [];
}

/** Stores the repositories holding an image, most recent first, without duplicates. */
export async function putImageLocations(
  kv: KvStore,
  registry: string,
  digest: string,
  repositories: string[],
): Promise<void> {
  const unique = [...new Set(repositories)].slice(0, MAX_IMAGE_LOCATIONS);
  await putJson(
    kv,
    recordKeys.imageLocations(registry, digest),
    { repositories: unique },
    { ttlSeconds: IMMUTABLE_TTL_SECONDS },
  );
}

/** jose's JWKS cache entry (`jwks` and its fetch time `uat`), kept so every isolate need not refetch. */
export interface JwksRecord {
  jwks: unknown;
  uat: number;
}

export async function getJwks(kv: KvStore, issuerId: string): Promise<JwksRecord | null> {
  return getJson<JwksRecord>(kv, recordKeys.jwks(issuerId));
}

export async function putJwks(kv: KvStore, issuerId: string, record: JwksRecord): Promise<void> {
  await putJson(kv, recordKeys.jwks(issuerId), record, { ttlSeconds: JWKS_TTL_SECONDS });
}
