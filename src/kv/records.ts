// The only file that spells KV keys and the shapes of the records stored under them.

import { getJson, putJson, type KvStore } from './store.js';

const PREFIX = 'v1';

// Audit keys sort newest first: KV lists keys in ascending order, so the key holds (max - time).
const MAX_TIMESTAMP = 9_999_999_999_999;
const AUDIT_TTL_SECONDS = 400 * 24 * 3600;
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
  token: (registry: string, credentialId: string, scopeId: string) => `${PREFIX}:token:${registry}:${credentialId}:${scopeId}`,
  tag: (registry: string, repository: string, tag: string) => `${PREFIX}:tag:${registry}/${repository}:${tag}`,
  manifest: (registry: string, repository: string, digest: string) => `${PREFIX}:manifest:${registry}/${repository}@${digest}`,
  blobLocations: (registry: string, digest: string) => `${PREFIX}:blob:${registry}:${digest}`,
  jwks: (issuerId: string) => `${PREFIX}:jwks:${issuerId}`,
  upload: (registry: string, repository: string, digest: string) => `${PREFIX}:upload:${registry}/${repository}@${digest}`,
  job: (id: string) => `${PREFIX}:job:${id}`,
  rule: (name: string) => `${PREFIX}:rule:${name}`,
  rulePrefix: () => `${PREFIX}:rule:`,
  event: (receiver: string, eventId: string, rule: string) => `${PREFIX}:event:${receiver}:${eventId}:${rule}`,
  activeJob: (id: string) => `${PREFIX}:jobs-active:${id}`,
  activeJobsPrefix: () => `${PREFIX}:jobs-active:`,
  audit: (at: number, id: string) => `${PREFIX}:audit:${(MAX_TIMESTAMP - at).toString().padStart(16, '0')}:${id}`,
  auditPrefix: () => `${PREFIX}:audit:`,
  inspect: (registry: string, repository: string, digest: string, platform: string | undefined) =>
    `${PREFIX}:inspect:${registry}/${repository}@${digest}${platform ? `#${platform}` : ''}`,
};

export async function getToken(kv: KvStore, key: string, now: number): Promise<string | null> {
  const record = await getJson<TokenRecord>(kv, key);
  return record && typeof record.token === 'string' && record.expiresAt > now ? record.token : null;
}

export async function putToken(kv: KvStore, key: string, record: TokenRecord, now: number): Promise<void> {
  const ttlSeconds = Math.ceil((record.expiresAt - now) / 1000);
  if (ttlSeconds > 0) await putJson(kv, key, record, { ttlSeconds });
}

export async function getTagDigest(kv: KvStore, key: string): Promise<string | null> {
  return (await getJson<{ digest: string }>(kv, key))?.digest ?? null;
}

export async function putTagDigest(kv: KvStore, key: string, digest: string, ttlSeconds: number): Promise<void> {
  if (ttlSeconds > 0) await putJson(kv, key, { digest }, { ttlSeconds });
}

export async function getManifestRecord(kv: KvStore, key: string): Promise<{ mediaType: string; digest: string; bytes: Uint8Array } | null> {
  const record = await getJson<ManifestRecord>(kv, key);
  if (!record || typeof record.base64 !== 'string') return null;
  return { mediaType: record.mediaType, digest: record.digest, bytes: fromBase64(record.base64) };
}

export async function putManifestRecord(kv: KvStore, key: string, value: { mediaType: string; digest: string; bytes: Uint8Array }): Promise<void> {
  const record: ManifestRecord = { mediaType: value.mediaType, digest: value.digest, base64: toBase64(value.bytes) };
  await putJson(kv, key, record, { ttlSeconds: IMMUTABLE_TTL_SECONDS });
}

export async function getInspectRecord<T>(kv: KvStore, key: string): Promise<T | null> {
  return getJson<T>(kv, key);
}

export async function putInspectRecord(kv: KvStore, key: string, value: unknown): Promise<void> {
  await putJson(kv, key, value, { ttlSeconds: IMMUTABLE_TTL_SECONDS });
}

// Like Docker's V2 metadata service: a few repositories per blob are enough to find a mount source.
const MAX_BLOB_LOCATIONS = 8;

/** Repositories of `registry` known to hold the blob, most recent first. */
export async function getBlobLocations(kv: KvStore, registry: string, digest: string): Promise<string[]> {
  const record = await getJson<{ repositories: string[] }>(kv, recordKeys.blobLocations(registry, digest));
  return Array.isArray(record?.repositories) ? record.repositories.filter((r) => typeof r === 'string') : [];
}

/** Stores the repositories holding a blob, most recent first, without duplicates. */
export async function putBlobLocations(kv: KvStore, registry: string, digest: string, repositories: string[]): Promise<void> {
  const unique = [...new Set(repositories)].slice(0, MAX_BLOB_LOCATIONS);
  await putJson(kv, recordKeys.blobLocations(registry, digest), { repositories: unique }, { ttlSeconds: IMMUTABLE_TTL_SECONDS });
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

export interface AuditRecord {
  at: string;
  caller: string;
  action: string;
  source?: string;
  target?: string;
  sourceDigest?: string;
  targetDigest?: string;
  tags?: string[];
  outcome: 'ok' | 'error';
  code?: string;
}

export async function putAudit(kv: KvStore, record: AuditRecord, now: number): Promise<void> {
  await putJson(kv, recordKeys.audit(now, crypto.randomUUID()), record, { ttlSeconds: AUDIT_TTL_SECONDS });
}

export async function listAudit(kv: KvStore, options: { limit: number; cursor?: string }): Promise<{ records: AuditRecord[]; cursor?: string }> {
  const page = await kv.list(recordKeys.auditPrefix(), options);
  const records = (await Promise.all(page.keys.map((k) => getJson<AuditRecord>(kv, k)))).filter((r): r is AuditRecord => r !== null);
  return page.cursor ? { records, cursor: page.cursor } : { records };
}

/** A chunked upload in progress: where it is and how many bytes the registry acknowledged. */
export interface UploadSessionRecord {
  location: string;
  offset: number;
  minChunk?: number;
}

// Registries drop idle upload sessions after hours or days; a record older than that is useless.
const UPLOAD_SESSION_TTL_SECONDS = 24 * 3600;

export async function getUploadSession(kv: KvStore, key: string): Promise<UploadSessionRecord | null> {
  const record = await getJson<UploadSessionRecord>(kv, key);
  return record && typeof record.location === 'string' && typeof record.offset === 'number' ? record : null;
}

export async function putUploadSession(kv: KvStore, key: string, record: UploadSessionRecord): Promise<void> {
  await putJson(kv, key, record, { ttlSeconds: UPLOAD_SESSION_TTL_SECONDS });
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunked: String.fromCharCode with millions of arguments overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
