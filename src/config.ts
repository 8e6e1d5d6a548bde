// Parses and validates Ferry's JSON configuration; secrets are resolved by name through the caller.

import { parseCallers, type CallersConfig } from './callers.js';
import { parseRules, type PromotionRule } from './rules.js';
import { parseWebhooks, type WebhookReceiver } from './webhooks.js';
import { AppError } from './errors.js';

/** A credential value: inline (local use only) or the name of a secret/env binding. */
export type SecretValue = string | { secret: string };

export interface Credentials {
  username?: string;
  password?: string;
  /** A ready bearer token sent as is (e.g. a PAT some registries accept). */
  token?: string;
  /** An OAuth2 refresh token exchanged with a POST to the token realm (ACR, GAR-style). */
  identityToken?: string;
}

export interface RegistryConfig {
  /** The key: host[:port], lowercase. */
  host: string;
  /** Plain http is allowed only for registries configured with this flag. */
  insecure: boolean;
  credentials: Credentials | undefined;
  /** Pull endpoints (scheme://host[:port]) tried in order before the registry itself. */
  mirrors: string[];
  headers: Record<string, string>;
  /** Extra hosts the registry may send us to for tokens (realm) besides its own hostname. */
  authHosts: string[];
  /** Hosts the registry may redirect blob downloads and uploads to (storage, CDN); "*.example.com" allowed. */
  blobHosts: string[];
  /** How blobs are uploaded here: one PUT (default), or PATCH chunks of `chunkSize` bytes. */
  upload: UploadProfile;
}

export interface UploadProfile {
  mode: 'monolithic' | 'chunked';
  chunkSize: number;
}

// Large enough that a chunk's request overhead is noise; small enough for limits such as GHCR's.
export // About 11 subrequests and up to 2 KV operations a tag: 50 tags stay far inside one invocation's limits.
const DEFAULT_SYNC_MAX_TAGS = 50;
const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

export interface SyncBudget {
  subrequests: number;
  kvOperations: number;
}

/** The documented Paid limits (10,000 subrequests, 1,000 KV operations per invocation) less a margin. */
export const DEFAULT_SYNC_BUDGET: SyncBudget = { subrequests: 9000, kvOperations: 900 };

export interface FerryConfig {
  registries: Map<string, RegistryConfig>;
  /** When true, a registry that is not configured is allowed if its address is public. */
  allowPublicRegistries: boolean;
  /** How long a tag -> digest resolution is cached. */
  tagTtlSeconds: number;
  /** Blob transfers at once in one copy. */
  copyConcurrency: number;
  /** A blob download that brings no byte for this long is broken off and resumed. */
  idleTimeoutMs: number;
  /** Blob restarts (after the request-level retries failed) one copy may spend in all. */
  retryBudget: number;
  /** Resume broken blob downloads with Range (a JS hop per chunk) instead of restarting the blob. */
  resumeDownloads: boolean;
  /** A copy of more tags than this (`tags: "all"` or `match`) runs as a job, not in the request. */
  syncMaxTags: number;
  /** What one synchronous copy may spend in its invocation; a plan above it runs as a job. */
  syncBudget: SyncBudget;
  /** A queued or running job whose record has not changed for this long lost its runner and is woken. */
  jobStaleAfterMs: number;
  /** In a Workflow job, the bytes one step uploads of a blob to a chunked target before the next step goes on. */
  jobStepBytes: number;
  /** Who may call Ferry; without a `callers` section nobody may. */
  callers: CallersConfig;
  /** Promotion rules (`promotion.rules`). */
  rules: PromotionRule[];
  /** Webhook receivers (`webhooks.receivers`). */
  receivers: WebhookReceiver[];
}

export type SecretLookup = (name: string) => string | undefined;

const DEFAULT_TAG_TTL_SECONDS = 60;
const REGISTRY_KEYS = new Set(['insecure', 'credentials', 'mirrors', 'headers', 'authHosts', 'blobHosts', 'upload']);
const CREDENTIAL_KEYS = new Set(['username', 'password', 'token', 'identityToken']);
const TOP_KEYS = new Set(['registries', 'allowPublicRegistries', 'cache', 'copy', 'callers', 'promotion', 'webhooks', 'jobs', '$schema']);

// Docker Hub is spelled several ways; its API lives on registry-1.docker.io.
export const DOCKER_HUB_HOST = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', DOCKER_HUB_HOST]);

export function normalizeRegistryHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB_HOST : lower;
}

function fail(message: string): never {
  throw new AppError('INVALID_CONFIG', `invalid configuration: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(where: string, value: Record<string, unknown>, allowed: Set<string>): void {
  for (const key of Object.keys(value)) if (!allowed.has(key)) fail(`${where}: unknown field "${key}"`);
}

function resolveSecret(where: string, value: unknown, lookup: SecretLookup): string {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.secret === 'string' && Object.keys(value).length === 1) {
    const resolved = lookup(value.secret);
    if (resolved === undefined || resolved === '') fail(`${where}: secret "${value.secret}" is not set`);
    return resolved;
  }
  return fail(`${where}: expected a string or {"secret": "NAME"}`);
}

function parseCredentials(where: string, value: unknown, lookup: SecretLookup): Credentials | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) fail(`${where}: expected an object`);
  checkKeys(where, value, CREDENTIAL_KEYS);
  const out: Credentials = {};
  for (const key of CREDENTIAL_KEYS) {
    if (value[key] !== undefined) out[key as keyof Credentials] = resolveSecret(`${where}.${key}`, value[key], lookup);
  }
  if (out.password !== undefined && out.username === undefined) fail(`${where}: password needs a username`);
  if (!out.password && !out.token && !out.identityToken) fail(`${where}: give password, token or identityToken`);
  return out;
}

function parseEndpoint(where: string, value: unknown): string {
  if (typeof value !== 'string') fail(`${where}: expected a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`${where}: "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`${where}: only http(s) endpoints`);
  return `${url.protocol}//${url.host}`;
}

function parseStringMap(where: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) fail(`${where}: expected an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`${where}.${k}: expected a string`);
    if (k.toLowerCase() === 'authorization') fail(`${where}: set credentials, not an Authorization header`);
    out[k] = v;
  }
  return out;
}

function parseRegistry(host: string, value: unknown, lookup: SecretLookup): RegistryConfig {
  const where = `registries["${host}"]`;
  if (!/^[a-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9a-f:.]+\](:[0-9]{1,5})?$/i.test(host)) fail(`${where}: expected host[:port]`);
  if (!isRecord(value)) fail(`${where}: expected an object`);
  checkKeys(where, value, REGISTRY_KEYS);
  if (value.insecure !== undefined && typeof value.insecure !== 'boolean') fail(`${where}.insecure: expected a boolean`);
  const mirrors = value.mirrors ?? [];
  if (!Array.isArray(mirrors)) fail(`${where}.mirrors: expected an array`);
  const authHosts = value.authHosts ?? [];
  if (!Array.isArray(authHosts) || authHosts.some((h) => typeof h !== 'string')) fail(`${where}.authHosts: expected strings`);
  const blobHosts = value.blobHosts ?? [];
  if (!Array.isArray(blobHosts) || blobHosts.some((h) => typeof h !== 'string')) fail(`${where}.blobHosts: expected strings`);
  return {
    host: normalizeRegistryHost(host),
    insecure: value.insecure === true,
    credentials: parseCredentials(`${where}.credentials`, value.credentials, lookup),
    mirrors: mirrors.map((m, i) => parseEndpoint(`${where}.mirrors[${i}]`, m)),
    headers: parseStringMap(`${where}.headers`, value.headers),
    authHosts: (authHosts as string[]).map((h) => h.toLowerCase()),
    blobHosts: (blobHosts as string[]).map((h) => h.toLowerCase()),
    upload: parseUpload(`${where}.upload`, value.upload),
  };
}

function parseUpload(where: string, value: unknown): UploadProfile {
  if (value === undefined) return { mode: 'monolithic', chunkSize: DEFAULT_CHUNK_SIZE };
  if (!isRecord(value)) fail(`${where}: expected an object`);
  checkKeys(where, value, new Set(['mode', 'chunkSize']));
  const mode = value.mode ?? 'monolithic';
  if (mode !== 'monolithic' && mode !== 'chunked') fail(`${where}.mode: expected "monolithic" or "chunked"`);
  const chunkSize = value.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize) || chunkSize < 1024) fail(`${where}.chunkSize: expected bytes >= 1024`);
  return { mode, chunkSize };
}

export interface RuntimeDefaults {
  /** Workers allow 6 open connections per invocation and a blob copy holds 2: so 3 there, 6 elsewhere. */
  copyConcurrency: number;
}

export const DEFAULT_COPY_CONCURRENCY = 6;
// Registries answer within seconds; a minute of silence on a blob body is a dead connection.
const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
// Blob restarts per copy after request-level retries: enough for a flaky hour, bounded for a broken one.
const DEFAULT_RETRY_BUDGET = 10;
// A running job writes its record at least every third of this (a heartbeat); silence for the whole
// of it means its runner died (a crash, a killed host) and nobody else will notice.
const DEFAULT_JOB_STALE_AFTER_SECONDS = 90;
// A step moving 1 GiB stays well inside a step's hour even on a slow link.
const DEFAULT_JOB_STEP_BYTES = 1024 * 1024 * 1024;

export function parseConfig(input: unknown, lookup: SecretLookup = () => undefined, defaults: RuntimeDefaults = { copyConcurrency: DEFAULT_COPY_CONCURRENCY }): FerryConfig {
  const doc = typeof input === 'string' ? parseJsonText(input) : input ?? {};
  if (!isRecord(doc)) fail('expected a JSON object');
  checkKeys('top level', doc, TOP_KEYS);
  const registries = new Map<string, RegistryConfig>();
  const rawRegistries = doc.registries ?? {};
  if (!isRecord(rawRegistries)) fail('registries: expected an object keyed by host[:port]');
  for (const [host, value] of Object.entries(rawRegistries)) {
    const registry = parseRegistry(host, value, lookup);
    registries.set(registry.host, registry);
  }
  if (doc.allowPublicRegistries !== undefined && typeof doc.allowPublicRegistries !== 'boolean') {
    fail('allowPublicRegistries: expected a boolean');
  }
  const cache = doc.cache ?? {};
  if (!isRecord(cache)) fail('cache: expected an object');
  const tagTtl = cache.tagTtlSeconds ?? DEFAULT_TAG_TTL_SECONDS;
  if (typeof tagTtl !== 'number' || !Number.isFinite(tagTtl) || tagTtl < 0) fail('cache.tagTtlSeconds: expected seconds >= 0');
  const copy = doc.copy ?? {};
  if (!isRecord(copy)) fail('copy: expected an object');
  checkKeys('copy', copy, new Set(['concurrency', 'idleTimeoutSeconds', 'retryBudget', 'resumeDownloads', 'syncMaxTags', 'syncBudget']));
  const syncBudget = copy.syncBudget ?? {};
  if (!isRecord(syncBudget)) fail('copy.syncBudget: expected an object');
  checkKeys('copy.syncBudget', syncBudget, new Set(['subrequests', 'kvOperations']));
  for (const key of ['subrequests', 'kvOperations'] as const) {
    const value = syncBudget[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1)) fail(`copy.syncBudget.${key}: expected an integer >= 1`);
  }
  const syncMaxTags = copy.syncMaxTags ?? DEFAULT_SYNC_MAX_TAGS;
  if (typeof syncMaxTags !== 'number' || !Number.isInteger(syncMaxTags) || syncMaxTags < 0) fail('copy.syncMaxTags: expected an integer >= 0');
  if (copy.resumeDownloads !== undefined && typeof copy.resumeDownloads !== 'boolean') fail('copy.resumeDownloads: expected a boolean');
  const idle = copy.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
  if (typeof idle !== 'number' || !(idle > 0)) fail('copy.idleTimeoutSeconds: expected seconds > 0');
  const budget = copy.retryBudget ?? DEFAULT_RETRY_BUDGET;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 0) fail('copy.retryBudget: expected an integer >= 0');
  const concurrency = copy.concurrency;
  if (concurrency !== undefined && (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)) {
    fail('copy.concurrency: expected an integer from 1 to 64');
  }
  const jobs = doc.jobs ?? {};
  if (!isRecord(jobs)) fail('jobs: expected an object');
  checkKeys('jobs', jobs, new Set(['staleAfterSeconds', 'stepBytes']));
  const stepBytes = jobs.stepBytes ?? DEFAULT_JOB_STEP_BYTES;
  if (typeof stepBytes !== 'number' || !Number.isInteger(stepBytes) || stepBytes < 1024) fail('jobs.stepBytes: expected bytes >= 1024');
  const stale = jobs.staleAfterSeconds ?? DEFAULT_JOB_STALE_AFTER_SECONDS;
  if (typeof stale !== 'number' || !(stale >= 3)) fail('jobs.staleAfterSeconds: expected seconds >= 3');
  return { registries, allowPublicRegistries: doc.allowPublicRegistries === true, tagTtlSeconds: tagTtl, copyConcurrency: concurrency ?? defaults.copyConcurrency, idleTimeoutMs: idle * 1000, retryBudget: budget, resumeDownloads: copy.resumeDownloads !== false, syncMaxTags, syncBudget: { ...DEFAULT_SYNC_BUDGET, ...(syncBudget as Partial<SyncBudget>) }, jobStaleAfterMs: stale * 1000, jobStepBytes: stepBytes, callers: parseCallers(doc.callers, (where, v) => resolveSecret(where, v, lookup)), rules: parseRules(doc.promotion), receivers: parseWebhooks(doc.webhooks, (where, v) => resolveSecret(where, v, lookup)) };
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail('not valid JSON');
  }
}
