// Parses and validates Ferry's JSON configuration; secrets are resolved by name through the caller.

import { buildCallers, type CallersConfig, type OidcIssuer } from './callers.js';
import { ConfigSchema, formatPath, schemaProblems, type ConfigDocument, type ConfigProblem } from './config-schema.js';
import { AppError } from './errors.js';
import { fromBase64 } from './encoding.js';
import { normalizeRegistryHost } from './reference.js';
import { buildRule, type PromotionRule } from './rules.js';
import { buildReceivers, type WebhookReceiver } from './webhooks.js';

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
  /** Credentials a cloud hands out for a while (src/ops/cloud/): fetched, cached and renewed by Ferry. */
  cloud?: CloudAuth;
  /**
   * Added through the API (not by the operator): reached only at public addresses, like a registry
   * nobody configured, unless `managedRegistries.allowPrivateAddresses`.
   */
  publicOnly?: boolean;
}

export type CloudAuth = AwsAuth | GoogleAuth | AzureAuth | GithubAppAuth;

export interface GithubAppAuth {
  kind: 'github-app';
  appId: string;
  installationId: string;
  /** PEM as GitHub gives it (PKCS #1) or PKCS #8. */
  privateKey: string;
  endpoints: { api: string };
}

export interface AzureAuth {
  kind: 'azure';
  tenantId: string;
  clientId: string;
  /** Absent: federation with Ferry's own token (client assertion). */
  clientSecret?: string;
  audience: string;
  endpoints: { entra: string; acrExchange: string };
}

export interface GoogleAuth {
  kind: 'google';
  /** Federation: Ferry's token exchanged at Google's STS (and, with serviceAccount, impersonation). */
  workloadIdentityProvider?: string;
  serviceAccount?: string;
  audience: string;
  /** A service-account key instead: its e-mail and PEM key (the JWT-bearer grant). */
  key?: { clientEmail: string; privateKey: string };
  endpoints: { sts: string; iamCredentials: string; oauth2: string };
}

export interface AwsAuth {
  kind: 'aws';
  region: string;
  /** Federation: Ferry's token for this entry, exchanged at STS for this role's temporary keys. */
  roleArn?: string;
  audience: string;
  sessionName: string;
  /** Static keys instead of federation. */
  keys?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** ECR Public's API (public.ecr.aws) rather than a private registry's. */
  public: boolean;
  /** CreateRepository before pushing to a repository that does not exist. */
  createRepositories: boolean;
  endpoints: { sts: string; ecr: string };
}

export interface UploadProfile {
  mode: 'monolithic' | 'chunked';
  chunkSize: number;
}

// About 11 subrequests and up to 2 KV operations a tag: 50 tags stay far inside one invocation's limits.
const DEFAULT_SYNC_MAX_TAGS = 50;
// Large enough that a chunk's request overhead is noise; small enough for limits such as GHCR's.
const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

/** Bounds on what one request or registry answer may make Ferry do (each exceeded: LIMIT_EXCEEDED naming it). */
export interface Limits {
  indexChildren: number;
  indexDepth: number;
  indexConcurrency: number;
  tagsPerSync: number;
  bodyTimeoutMs: number;
}

// OCI indexes in the wild list tens of platforms; buildx attestations double that. 1,000 is far above any
// real image and far below what a hostile 4 MiB index can list (~28,000).
export const DEFAULT_LIMITS: Limits = { indexChildren: 1000, indexDepth: 8, indexConcurrency: 8, tagsPerSync: 10_000, bodyTimeoutMs: 30_000 };

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
  limits: Limits;
  /** A secret's value by name: rules name their keys and trust roots, and are stored with the names only. */
  secret: SecretLookup;
  /** Ferry's own OIDC identity (`identity`), when configured. */
  identity?: IdentityConfig;
  /** Registry entries managed through the API: sealing keys and what the entries may reach. */
  managedRegistries: ManagedRegistriesConfig;
  /** The web console: the key that signs its session cookies, and the Cloudflare Access issuer, when configured. */
  console: { sessionSecret?: string; cloudflareAccess?: OidcIssuer };
}

export interface ManagedRegistriesConfig {
  /** Raw AES-256 keys by id; empty: entries cannot hold credentials. */
  keys: { kid: string; key: Uint8Array }[];
  activeKid: string | undefined;
  allowPrivateAddresses: boolean;
  allowInsecure: boolean;
  /** How long an instance keeps the entries it read. */
  cacheMs: number;
}

export interface IdentityConfig {
  /** The issuer: Ferry's public URL without a trailing slash. */
  issuer: string;
  keys: { kid: string; pem: string }[];
  activeKid: string;
  algorithm: 'RS256' | 'ES256';
}

export type SecretLookup = (name: string) => string | undefined;

const DEFAULT_TAG_TTL_SECONDS = 60;

/** Collects every problem of a configuration, so one run reports them all. */
export class ConfigProblems {
  readonly list: ConfigProblem[] = [];
  constructor(private readonly lookup: SecretLookup) {}

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  /** A string, or the value of the named secret; a missing secret is a problem (its value never is printed). */
  secret(path: string, value: string | { secret: string }): string {
    if (typeof value === 'string') return value;
    const resolved = this.lookup(value.secret);
    if (resolved === undefined || resolved === '') {
      this.add(path, `secret "${value.secret}" is not set`);
      return '';
    }
    return resolved;
  }
}

export function invalidConfig(problems: ConfigProblem[]): AppError {
  const text = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  return new AppError('INVALID_CONFIG', `invalid configuration: ${text}`, { details: { problems } });
}

function endpoint(value: string): string {
  const url = new URL(value);
  return `${url.protocol}//${url.host}`;
}

export type RegistryDocument = NonNullable<ConfigDocument['registries']>[string];

/** One registry entry from its document (the configuration's, or one stored through the API). */
export function buildRegistry(host: string, value: RegistryDocument, problems: ConfigProblems): RegistryConfig {
  const where = formatPath(['registries', host]);
  const raw = value.credentials;
  let credentials: Credentials | undefined;
  if (raw) {
    credentials = {};
    for (const key of ['username', 'password', 'token', 'identityToken'] as const) {
      const v = raw[key];
      if (v !== undefined) credentials[key] = problems.secret(`${where}.credentials.${key}`, v);
    }
    if (raw.password !== undefined && raw.username === undefined) problems.add(`${where}.credentials`, 'password needs a username');
    const stored = raw.password !== undefined || raw.token !== undefined || raw.identityToken !== undefined;
    const clouds = (['aws', 'google', 'azure', 'githubApp'] as const).filter((k) => raw[k] !== undefined);
    if (!stored && !clouds.length) problems.add(`${where}.credentials`, 'give password, token, identityToken, aws, google, azure or githubApp');
    if ((stored && clouds.length) || clouds.length > 1) problems.add(`${where}.credentials.${clouds.at(-1)}`, 'a registry takes one kind of credentials: stored ones, aws, google, azure or githubApp');
  }
  const cloud = raw?.aws
    ? buildAws(raw.aws, normalizeRegistryHost(host), `${where}.credentials.aws`, value.insecure === true, problems)
    : raw?.google
      ? buildGoogle(raw.google, `${where}.credentials.google`, value.insecure === true, problems)
      : raw?.azure
        ? buildAzure(raw.azure, normalizeRegistryHost(host), `${where}.credentials.azure`, value.insecure === true, problems)
        : raw?.githubApp
          ? buildGithubApp(raw.githubApp, `${where}.credentials.githubApp`, value.insecure === true, problems)
          : undefined;
  if (cloud) credentials = undefined;
  const registry: RegistryConfig = {
    host: normalizeRegistryHost(host),
    insecure: value.insecure === true,
    credentials,
    mirrors: (value.mirrors ?? []).map(endpoint),
    headers: value.headers ?? {},
    authHosts: (value.authHosts ?? []).map((h) => h.toLowerCase()),
    blobHosts: (value.blobHosts ?? []).map((h) => h.toLowerCase()),
    upload: { mode: value.upload?.mode ?? 'monolithic', chunkSize: value.upload?.chunkSize ?? DEFAULT_CHUNK_SIZE },
    ...(cloud ? { cloud } : {}),
  };
  checkEcrChunks(registry.host, registry, where, problems);
  return registry;
}

// ECR refuses upload parts under 5 MiB (all but the last): InvalidLayerPartException.
const ECR_MIN_CHUNK_BYTES = 5 * 1024 * 1024;
const isEcrHost = (host: string) => /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?(:\d+)?$/.test(host) || host === 'public.ecr.aws';

function checkEcrChunks(host: string, registry: RegistryConfig, where: string, problems: ConfigProblems): void {
  if ((registry.cloud?.kind === 'aws' || isEcrHost(host)) && registry.upload.mode === 'chunked' && registry.upload.chunkSize < ECR_MIN_CHUNK_BYTES) {
    problems.add(`${where}.upload.chunkSize`, `ECR takes upload chunks of at least 5 MiB (${ECR_MIN_CHUNK_BYTES} bytes)`);
  }
}

type GoogleDocument = NonNullable<NonNullable<NonNullable<ConfigDocument['registries']>[string]['credentials']>['google']>;

function checkEndpoints(endpoints: Record<string, string>, where: string, insecure: boolean, problems: ConfigProblems): void {
  for (const [name, url] of Object.entries(endpoints)) {
    if (new URL(url).protocol !== 'https:' && !insecure) problems.add(`${where}.endpoints.${name}`, 'expected https (plain http only for a registry marked insecure)');
  }
}

function buildGoogle(google: GoogleDocument, where: string, insecure: boolean, problems: ConfigProblems): GoogleAuth {
  const endpoints = {
    sts: google.endpoints?.sts ?? 'https://sts.googleapis.com/v1/token',
    iamCredentials: google.endpoints?.iamCredentials ?? 'https://iamcredentials.googleapis.com/v1/',
    oauth2: google.endpoints?.oauth2 ?? 'https://oauth2.googleapis.com/token',
  };
  checkEndpoints(endpoints, where, insecure, problems);
  let key: GoogleAuth['key'];
  if (google.serviceAccountKey !== undefined) {
    const text = problems.secret(`${where}.serviceAccountKey`, google.serviceAccountKey);
    try {
      const parsed = text ? (JSON.parse(text) as { client_email?: unknown; private_key?: unknown }) : {};
      if (text && (typeof parsed.client_email !== 'string' || typeof parsed.private_key !== 'string')) throw new Error('fields');
      if (text) key = { clientEmail: parsed.client_email as string, privateKey: parsed.private_key as string };
    } catch {
      problems.add(`${where}.serviceAccountKey`, 'expected a service-account key file (JSON with client_email and private_key)');
    }
  }
  return {
    kind: 'google',
    ...(google.workloadIdentityProvider ? { workloadIdentityProvider: google.workloadIdentityProvider } : {}),
    ...(google.serviceAccount ? { serviceAccount: google.serviceAccount } : {}),
    audience: google.audience ?? `https://iam.googleapis.com/${google.workloadIdentityProvider ?? ''}`,
    ...(key ? { key } : {}),
    endpoints,
  };
}

type GithubAppDocument = NonNullable<NonNullable<RegistryDocument['credentials']>['githubApp']>;

function buildGithubApp(app: GithubAppDocument, where: string, insecure: boolean, problems: ConfigProblems): GithubAppAuth {
  const endpoints = { api: app.endpoints?.api ?? 'https://api.github.com/' };
  checkEndpoints(endpoints, where, insecure, problems);
  const privateKey = problems.secret(`${where}.privateKey`, app.privateKey);
  if (privateKey && !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey)) problems.add(`${where}.privateKey`, 'expected the App\'s private key (PEM, as GitHub gives it)');
  return { kind: 'github-app', appId: app.appId, installationId: app.installationId, privateKey, endpoints };
}

type AzureDocument = NonNullable<NonNullable<NonNullable<ConfigDocument['registries']>[string]['credentials']>['azure']>;

function buildAzure(azure: AzureDocument, host: string, where: string, insecure: boolean, problems: ConfigProblems): AzureAuth {
  const endpoints = { entra: azure.endpoints?.entra ?? 'https://login.microsoftonline.com/', acrExchange: azure.endpoints?.acrExchange ?? `https://${host}/oauth2/exchange` };
  checkEndpoints(endpoints, where, insecure, problems);
  return {
    kind: 'azure',
    tenantId: azure.tenantId,
    clientId: azure.clientId,
    ...(azure.clientSecret !== undefined ? { clientSecret: problems.secret(`${where}.clientSecret`, azure.clientSecret) } : {}),
    audience: azure.audience ?? 'api://AzureADTokenExchange',
    endpoints,
  };
}

type AwsDocument = NonNullable<NonNullable<NonNullable<ConfigDocument['registries']>[string]['credentials']>['aws']>;

function buildAws(aws: AwsDocument, host: string, where: string, insecure: boolean, problems: ConfigProblems): AwsAuth {
  const isPublic = aws.public ?? host === 'public.ecr.aws';
  // ECR Public's API lives in us-east-1 only, whatever region the entry names for STS.
  const ecr = isPublic ? 'https://api.ecr-public.us-east-1.amazonaws.com/' : `https://api.ecr.${aws.region}.amazonaws.com/`;
  const endpoints = { sts: aws.endpoints?.sts ?? `https://sts.${aws.region}.amazonaws.com/`, ecr: aws.endpoints?.ecr ?? ecr };
  checkEndpoints(endpoints, where, insecure, problems);
  const keys =
    aws.accessKeyId !== undefined && aws.secretAccessKey !== undefined
      ? {
          accessKeyId: problems.secret(`${where}.accessKeyId`, aws.accessKeyId),
          secretAccessKey: problems.secret(`${where}.secretAccessKey`, aws.secretAccessKey),
          ...(aws.sessionToken !== undefined ? { sessionToken: problems.secret(`${where}.sessionToken`, aws.sessionToken) } : {}),
        }
      : undefined;
  return {
    kind: 'aws',
    region: aws.region,
    ...(aws.roleArn ? { roleArn: aws.roleArn } : {}),
    audience: aws.audience ?? 'sts.amazonaws.com',
    sessionName: aws.sessionName ?? 'ferry',
    ...(keys ? { keys } : {}),
    public: isPublic,
    createRepositories: aws.createRepositories === true,
    endpoints,
  };
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

/** Validates the document against the one schema, resolves secrets, and reports every problem at once. */
export function parseConfig(input: unknown, lookup: SecretLookup = () => undefined, defaults: RuntimeDefaults = { copyConcurrency: DEFAULT_COPY_CONCURRENCY }): FerryConfig {
  const parsed = ConfigSchema.safeParse(typeof input === 'string' ? parseJsonText(input) : input ?? {});
  if (!parsed.success) throw invalidConfig(schemaProblems(parsed.error));
  const doc = parsed.data;
  const problems = new ConfigProblems(lookup);
  const registries = new Map<string, RegistryConfig>();
  for (const [host, value] of Object.entries(doc.registries ?? {})) {
    const registry = buildRegistry(host, value, problems);
    registries.set(registry.host, registry);
  }
  for (const registry of registries.values()) {
    const cloud = registry.cloud;
    const federated =
      cloud?.kind === 'aws' ? cloud.roleArn && 'aws.roleArn' : cloud?.kind === 'google' ? cloud.workloadIdentityProvider && 'google.workloadIdentityProvider' : cloud?.kind === 'azure' ? !cloud.clientSecret && 'azure.clientId' : undefined;
    if (federated && !doc.identity) problems.add(`${formatPath(['registries', registry.host])}.credentials.${federated}`, 'federation needs Ferry\'s own identity: configure "identity" (publicUrl and keys)');
  }
  const rules = (doc.promotion?.rules ?? []).map((r, i) => buildRule(r, `promotion.rules[${i}]`, problems));
  const names = new Set<string>();
  for (const [i, rule] of rules.entries()) {
    if (names.has(rule.name)) problems.add(`promotion.rules[${i}].name`, `"${rule.name}" is used by another rule`);
    names.add(rule.name);
  }
  const copy = doc.copy ?? {};
  const jobs = doc.jobs ?? {};
  const limits = doc.limits ?? {};
  const callers = buildCallers(doc.callers, problems);
  const config: FerryConfig = {
    registries,
    allowPublicRegistries: doc.allowPublicRegistries === true,
    tagTtlSeconds: doc.cache?.tagTtlSeconds ?? DEFAULT_TAG_TTL_SECONDS,
    copyConcurrency: copy.concurrency ?? defaults.copyConcurrency,
    idleTimeoutMs: (copy.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000,
    retryBudget: copy.retryBudget ?? DEFAULT_RETRY_BUDGET,
    resumeDownloads: copy.resumeDownloads !== false,
    syncMaxTags: copy.syncMaxTags ?? DEFAULT_SYNC_MAX_TAGS,
    syncBudget: { ...DEFAULT_SYNC_BUDGET, ...copy.syncBudget },
    jobStaleAfterMs: (jobs.staleAfterSeconds ?? DEFAULT_JOB_STALE_AFTER_SECONDS) * 1000,
    jobStepBytes: jobs.stepBytes ?? DEFAULT_JOB_STEP_BYTES,
    callers,
    rules,
    receivers: buildReceivers(doc.webhooks, problems),
    limits: {
      indexChildren: limits.indexChildren ?? DEFAULT_LIMITS.indexChildren,
      indexDepth: limits.indexDepth ?? DEFAULT_LIMITS.indexDepth,
      indexConcurrency: limits.indexConcurrency ?? DEFAULT_LIMITS.indexConcurrency,
      tagsPerSync: limits.tagsPerSync ?? DEFAULT_LIMITS.tagsPerSync,
      bodyTimeoutMs: limits.bodyTimeoutSeconds !== undefined ? limits.bodyTimeoutSeconds * 1000 : DEFAULT_LIMITS.bodyTimeoutMs,
    },
    secret: lookup,
    ...(doc.identity ? { identity: buildIdentity(doc.identity, problems) } : {}),
    managedRegistries: buildManagedRegistries(doc.managedRegistries ?? {}, problems),
    console: buildConsole(doc.console ?? {}, callers, problems),
  };
  if (problems.list.length) throw invalidConfig(problems.list);
  return config;
}

// An instance reads API-managed entries again after this long: how late another instance sees a change.
const DEFAULT_MANAGED_CACHE_SECONDS = 30;

function buildManagedRegistries(managed: NonNullable<ConfigDocument['managedRegistries']>, problems: ConfigProblems): ManagedRegistriesConfig {
  const keys = (managed.keys ?? []).map((k, i) => {
    const text = problems.secret(`managedRegistries.keys[${i}].key`, k.key);
    let key: Uint8Array = new Uint8Array();
    try {
      key = fromBase64(text);
    } catch {
      // reported below
    }
    if (text && key.length !== 32) problems.add(`managedRegistries.keys[${i}].key`, 'expected 32 random bytes, base64 (e.g. `openssl rand -base64 32`)');
    return { kid: k.kid, key };
  });
  return {
    keys,
    activeKid: managed.activeKid ?? keys[0]?.kid,
    allowPrivateAddresses: managed.allowPrivateAddresses === true,
    allowInsecure: managed.allowInsecure === true,
    cacheMs: (managed.cacheSeconds ?? DEFAULT_MANAGED_CACHE_SECONDS) * 1000,
  };
}

function buildConsole(console: NonNullable<ConfigDocument['console']>, callers: CallersConfig, problems: ConfigProblems): FerryConfig['console'] {
  const built: FerryConfig['console'] = {};
  if (console.sessionSecret !== undefined) {
    const secret = problems.secret('console.sessionSecret', console.sessionSecret);
    if (secret && secret.length < 32) problems.add('console.sessionSecret', 'expected at least 32 characters of random (e.g. `openssl rand -base64 32`)');
    built.sessionSecret = secret;
  }
  if (console.cloudflareAccess) {
    const issuer = callers.oidc.find((o) => o.issuer === console.cloudflareAccess!.issuer);
    if (!issuer) problems.add('console.cloudflareAccess.issuer', `"${console.cloudflareAccess.issuer}" is not in callers.oidc (its audience: the Access application's AUD tag; jwksUri: <issuer>/cdn-cgi/access/certs)`);
    else built.cloudflareAccess = issuer;
  }
  return built;
}

function buildIdentity(identity: NonNullable<ConfigDocument['identity']>, problems: ConfigProblems): IdentityConfig {
  const keys = identity.keys.map((k, i) => {
    const pem = problems.secret(`identity.keys[${i}].privateKey`, k.privateKey);
    if (pem && !/-----BEGIN PRIVATE KEY-----/.test(pem)) problems.add(`identity.keys[${i}].privateKey`, 'expected a PKCS #8 PEM private key ("-----BEGIN PRIVATE KEY-----")');
    return { kid: k.kid, pem };
  });
  return { issuer: identity.publicUrl.replace(/\/+$/, ''), keys, activeKid: identity.activeKid ?? identity.keys[0]!.kid, algorithm: identity.algorithm ?? 'RS256' };
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidConfig([{ path: 'top level', message: 'not valid JSON' }]);
  }
}
