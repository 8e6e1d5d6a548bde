// The `registries` part of the configuration: one entry per registry host (its schema, and the entry the
// registry layer is given), shared by the static configuration and entries added through the API.

import { z } from 'zod';
import { normalizeRegistryHost } from '../reference.js';
import type { Credentials, RegistryConfig } from '../registry/options.js';
import { buildCloud, CLOUD_CREDENTIALS, type CloudAuth } from './clouds.js';
import { formatPath, type ConfigProblems } from './problems.js';
import { HttpUrl, positiveInt, SecretValueSchema } from './values.js';

// Large enough that a chunk's request overhead is noise; small enough for limits such as GHCR's.
const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

// A header name is a token (RFC 9110 section 5.1); these belong to the connection, or to credentials.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NOT_FOR_ENTRIES = new Set([
  'host',
  'cookie',
  'proxy-authorization',
  'connection',
  'content-length',
  'transfer-encoding',
  'upgrade',
]);

/** An entry's extra headers: names that are tokens and Ferry's to send, values on one line. */
function checkHeaders(headers: Record<string, string>, ctx: z.RefinementCtx): void {
  for (const [name, value] of Object.entries(headers)) {
    const problem = !HEADER_NAME.test(name)
      ? "is not a header name (a token: letters, digits and !#$%&'*+.^_`|~-)"
      : name.toLowerCase() === 'authorization'
        ? 'set credentials, not an Authorization header'
        : NOT_FOR_ENTRIES.has(name.toLowerCase())
          ? 'is a header of the connection or of cookies, not one an entry may set'
          : /[\r\n\0]/.test(value)
            ? 'a header value must be one line'
            : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
  }
}

export const RegistrySchema = z.strictObject({
  insecure: z.boolean().optional(),
  credentials: z
    .strictObject({
      username: SecretValueSchema.optional(),
      password: SecretValueSchema.optional(),
      token: SecretValueSchema.optional(),
      identityToken: SecretValueSchema.optional(),
      aws: CLOUD_CREDENTIALS.aws.optional(),
      google: CLOUD_CREDENTIALS.google.optional(),
      azure: CLOUD_CREDENTIALS.azure.optional(),
      githubApp: CLOUD_CREDENTIALS.githubApp.optional(),
    })
    .optional(),
  mirrors: z.array(HttpUrl).optional(),
  headers: z.record(z.string(), z.string()).superRefine(checkHeaders).optional(),
  authHosts: z.array(z.string().min(1)).optional(),
  blobHosts: z.array(z.string().min(1)).optional(),
  upload: z
    .strictObject({
      mode: z.enum(['monolithic', 'chunked']).optional(),
      chunkSize: positiveInt(1024, 'bytes').optional(),
    })
    .optional(),
  /**
   * Pulls of the quota the registry announces (Docker Hub's ratelimit-remaining) kept back: once no more than
   * this many remain, every request to it waits for the quota's window (Hub: 6 h) instead of spending them.
   */
  pullReserve: positiveInt(0, 'a count of pulls').optional(),
});

/** A configured registry: how the registry layer reaches it, and where its credentials come from. */
export interface RegistryEntry extends RegistryConfig {
  /** Credentials a cloud hands out for a while (src/ops/registries/cloud/): fetched, cached and renewed by Ferry. */
  cloud?: CloudAuth;
}

function endpoint(value: string): string {
  const url = new URL(value);
  return `${url.protocol}//${url.host}`;
}

export type RegistryDocument = z.infer<typeof RegistrySchema>;

/** One registry entry from its document (the configuration's, or one stored through the API). */
export function buildRegistry(host: string, value: RegistryDocument, problems: ConfigProblems): RegistryEntry {
  const where = formatPath(['registries', host]);
  const raw = value.credentials;
  let credentials: Credentials | undefined;
  if (raw) {
    credentials = {};
    for (const key of ['username', 'password', 'token', 'identityToken'] as const) {
      const v = raw[key];
      if (v !== undefined) credentials[key] = problems.secret(`${where}.credentials.${key}`, v);
    }
    if (raw.password !== undefined && raw.username === undefined)
      problems.add(`${where}.credentials`, 'password needs a username');
    const stored = raw.password !== undefined || raw.token !== undefined || raw.identityToken !== undefined;
    const clouds = (['aws', 'google', 'azure', 'githubApp'] as const).filter((k) => raw[k] !== undefined);
    if (!stored && !clouds.length)
      problems.add(`${where}.credentials`, 'give password, token, identityToken, aws, google, azure or githubApp');
    if ((stored && clouds.length) || clouds.length > 1)
      problems.add(
        `${where}.credentials.${clouds.at(-1)}`,
        'a registry takes one kind of credentials: stored ones, aws, google, azure or githubApp',
      );
  }
  const cloud = buildCloud(raw, normalizeRegistryHost(host), where, value.insecure === true, problems);
  if (cloud) credentials = undefined;
  const registry: RegistryEntry = {
    host: normalizeRegistryHost(host),
    insecure: value.insecure === true,
    credentials,
    mirrors: (value.mirrors ?? []).map(endpoint),
    headers: value.headers ?? {},
    authHosts: (value.authHosts ?? []).map((h) => h.toLowerCase()),
    blobHosts: (value.blobHosts ?? []).map((h) => h.toLowerCase()),
    upload: { mode: value.upload?.mode ?? 'monolithic', chunkSize: value.upload?.chunkSize ?? DEFAULT_CHUNK_SIZE },
    ...(value.pullReserve !== undefined ? { pullReserve: value.pullReserve } : {}),
    ...(cloud ? { cloud } : {}),
  };
  checkEcrChunks(registry.host, registry, where, problems);
  return registry;
}

// ECR refuses upload parts under 5 MiB (all but the last): InvalidLayerPartException.
const ECR_MIN_CHUNK_BYTES = 5 * 1024 * 1024;
const isEcrHost = (host: string) =>
  /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?(:\d+)?$/.test(host) || host === 'public.ecr.aws';

function checkEcrChunks(host: string, registry: RegistryEntry, where: string, problems: ConfigProblems): void {
  if (
    (registry.cloud?.kind === 'aws' || isEcrHost(host)) &&
    registry.upload.mode === 'chunked' &&
    registry.upload.chunkSize < ECR_MIN_CHUNK_BYTES
  ) {
    problems.add(
      `${where}.upload.chunkSize`,
      `ECR takes upload chunks of at least 5 MiB (${ECR_MIN_CHUNK_BYTES} bytes)`,
    );
  }
}
