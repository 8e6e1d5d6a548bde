// Parses and validates Ferry's JSON configuration; secrets are resolved by name through the caller.

import { buildFront, type FrontConfig } from './front.js';
import { buildCallers, nobodyMayCall, type CallersConfig } from './callers.js';
import { ConfigSchema } from './schema.js';
import { ConfigProblems, formatPath, invalidConfig, schemaProblems } from './problems.js';
import { buildRegistry, type RegistryEntry } from './registries.js';
import { buildRule, type PromotionRule } from './rules.js';
import { buildSyncSet, type SyncSet } from './syncs.js';
import { buildReceivers, type WebhookReceiver } from './webhooks.js';
import { buildEvents, type EventsConfig } from './events.js';
import type { SecretLookup } from './values.js';
import { buildConsole, type ConsoleConfig } from './console.js';
import { buildIdentity, type IdentityConfig } from './identity.js';
import { buildManagedRegistries, type ManagedRegistriesConfig } from './managed-registries.js';
import { DEFAULT_REFERRER_BOUNDS, type Deadlines } from '../registry/options.js';
import { DEFAULT_DEADLINES } from '../registry/deadlines.js';

// About 11 subrequests and up to 2 KV operations a tag: 50 tags stay far inside one invocation's limits.
const DEFAULT_SYNC_MAX_TAGS = 50;

/** Bounds on what one request or registry answer may make Ferry do (each exceeded: LIMIT_EXCEEDED naming it). */
export interface Limits {
  indexChildren: number;
  indexDepth: number;
  indexConcurrency: number;
  tagsPerSync: number;
  referrerEntries: number;
  referrerBytes: number;
  bodyTimeoutMs: number;
}

// OCI indexes in the wild list tens of platforms; buildx attestations double that. 1,000 is far above any
// real image and far below what a hostile 4 MiB index can list (~28,000).
export const DEFAULT_LIMITS: Limits = {
  indexChildren: 1000,
  indexDepth: 8,
  indexConcurrency: 8,
  tagsPerSync: 10_000,
  referrerEntries: DEFAULT_REFERRER_BOUNDS.entries,
  referrerBytes: DEFAULT_REFERRER_BOUNDS.bytes,
  bodyTimeoutMs: 30_000,
};

export interface SyncBudget {
  subrequests: number;
  kvOperations: number;
}

/** The documented Paid limits (10,000 subrequests, 1,000 KV operations per invocation) less a margin. */
export const DEFAULT_SYNC_BUDGET: SyncBudget = { subrequests: 9000, kvOperations: 900 };

export interface JobConcurrency {
  total: number;
  perTenant: number;
  perRegistry: number;
}

export interface FerryConfig {
  registries: Map<string, RegistryEntry>;
  /** When true, a registry that is not configured is allowed if its address is public. */
  allowPublicRegistries: boolean;
  /** How long a tag -> digest resolution is cached. */
  tagTtlSeconds: number;
  /** Blob transfers at once in one copy. */
  copyConcurrency: number;
  /** A blob download that brings no byte for this long is broken off and resumed. */
  idleTimeoutMs: number;
  /** Connect, headers and idle deadlines of every upstream request (`upstream`). */
  deadlines: Deadlines;
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
  /** In a Workflow job, the longest a step waits for a registry's hold (a quota's window); longer ones sleep. */
  jobRegistryWaitInStepMs: number;
  /**
   * Jobs running at once per tenant and per registry (src/ops/jobs/fair-slots.ts; on Workers, lane-slots.ts),
   * and in all in one process (the Workflows engine keeps its own total).
   */
  jobConcurrency: JobConcurrency;
  /** Who may call Ferry; without a `callers` section nobody may. */
  callers: CallersConfig;
  /** Promotion rules (`promotion.rules`). */
  rules: PromotionRule[];
  /** The secrets a rule put through the API may name (`promotion.ruleSecrets`). */
  ruleSecrets: string[];
  /** Sync sets of the configuration (`syncs`); those written through the API are in the state store. */
  syncs: SyncSet[];
  /** Webhook receivers (`webhooks.receivers`). */
  receivers: WebhookReceiver[];
  /** Where Ferry tells what happened (`events.sinks`), and how deliveries are retried. */
  events: EventsConfig;
  limits: Limits;
  /** A secret's value by name: rules name their keys and trust roots, and are stored with the names only. */
  secret: SecretLookup;
  /** Ferry's own OIDC identity (`identity`), when configured. */
  identity?: IdentityConfig;
  /** Registry entries managed through the API: sealing keys and what the entries may reach. */
  managedRegistries: ManagedRegistriesConfig;
  /** The web console: the key that signs its session cookies, and the Cloudflare Access issuer, when configured. */
  console: ConsoleConfig;
  /** The registry front (`/v2/`): its aliases, and its tokens' lifetime. */
  front: FrontConfig;
}

const DEFAULT_TAG_TTL_SECONDS = 60;

export interface RuntimeDefaults {
  /** Workers allow 6 open connections per invocation and a blob copy holds 2: so 3 there, 6 elsewhere. */
  copyConcurrency: number;
  /** Jobs at once per tenant and per registry, where the default of one process does not fit. */
  jobConcurrency?: JobConcurrency;
  /** A local run (npm start, Node, Deno, Bun): a configuration nobody may call is a problem (nobodyMayCall). */
  local?: boolean;
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
// A step may run an hour (adapters/cloudflare/job-workflow.ts); a wait past minutes holds it for nothing.
const DEFAULT_JOB_REGISTRY_WAIT_IN_STEP_SECONDS = 300;
// A tenant's two jobs stuck on a registry that never answers leave six slots to the others.
const DEFAULT_JOB_CONCURRENCY: JobConcurrency = { total: 8, perTenant: 2, perRegistry: 4 };

/** Validates the document against the one schema, resolves secrets, and reports every problem at once. */
export function parseConfig(
  input: unknown,
  lookup: SecretLookup = () => undefined,
  defaults: RuntimeDefaults = { copyConcurrency: DEFAULT_COPY_CONCURRENCY },
): FerryConfig {
  const document = typeof input === 'string' ? parseJsonText(input) : (input ?? {});
  const parsed = ConfigSchema.safeParse(document);
  if (!parsed.success) throw invalidConfig(schemaProblems(parsed.error, ConfigSchema, document));
  const doc = parsed.data;
  const problems = new ConfigProblems(lookup);
  const registries = new Map<string, RegistryEntry>();
  for (const [host, value] of Object.entries(doc.registries ?? {})) {
    const registry = buildRegistry(host, value, problems);
    registries.set(registry.host, registry);
  }
  for (const registry of registries.values()) {
    const cloud = registry.cloud;
    const federated =
      cloud?.kind === 'aws'
        ? cloud.roleArn && 'aws.roleArn'
        : cloud?.kind === 'google'
          ? cloud.workloadIdentityProvider && 'google.workloadIdentityProvider'
          : cloud?.kind === 'azure'
            ? !cloud.clientSecret && 'azure.clientId'
            : undefined;
    if (federated && !doc.identity)
      problems.add(
        `${formatPath(['registries', registry.host])}.credentials.${federated}`,
        'federation needs Ferry\'s own identity: configure "identity" (publicUrl and keys)',
      );
  }
  const rules = (doc.promotion?.rules ?? []).map((r, i) => buildRule(r, `promotion.rules[${i}]`, problems));
  const names = new Set<string>();
  for (const [i, rule] of rules.entries()) {
    if (names.has(rule.name)) problems.add(`promotion.rules[${i}].name`, `"${rule.name}" is used by another rule`);
    names.add(rule.name);
  }
  const syncs = (doc.syncs ?? []).map((set, i) => buildSyncSet(set, `syncs[${i}]`, problems));
  for (const [i, set] of syncs.entries())
    if (syncs.findIndex((s) => s.name === set.name) < i)
      problems.add(`syncs[${i}].name`, `"${set.name}" is used by another sync set`);
  const copy = doc.copy ?? {};
  const jobs = doc.jobs ?? {};
  const jobDefaults = defaults.jobConcurrency ?? DEFAULT_JOB_CONCURRENCY;
  const limits = doc.limits ?? {};
  const upstream = doc.upstream ?? {};
  const callers = buildCallers(doc.callers, problems);
  const closed = defaults.local ? nobodyMayCall(callers) : undefined;
  if (closed) problems.add('callers', closed);
  const config: FerryConfig = {
    registries,
    allowPublicRegistries: doc.allowPublicRegistries === true,
    tagTtlSeconds: doc.cache?.tagTtlSeconds ?? DEFAULT_TAG_TTL_SECONDS,
    copyConcurrency: copy.concurrency ?? defaults.copyConcurrency,
    idleTimeoutMs: (copy.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000,
    deadlines: {
      connectMs: (upstream.connectTimeoutSeconds ?? DEFAULT_DEADLINES.connectMs / 1000) * 1000,
      headersMs: (upstream.headersTimeoutSeconds ?? DEFAULT_DEADLINES.headersMs / 1000) * 1000,
      idleMs: (upstream.idleTimeoutSeconds ?? DEFAULT_DEADLINES.idleMs / 1000) * 1000,
    },
    retryBudget: copy.retryBudget ?? DEFAULT_RETRY_BUDGET,
    resumeDownloads: copy.resumeDownloads !== false,
    syncMaxTags: copy.syncMaxTags ?? DEFAULT_SYNC_MAX_TAGS,
    syncBudget: { ...DEFAULT_SYNC_BUDGET, ...copy.syncBudget },
    jobStaleAfterMs: (jobs.staleAfterSeconds ?? DEFAULT_JOB_STALE_AFTER_SECONDS) * 1000,
    jobStepBytes: jobs.stepBytes ?? DEFAULT_JOB_STEP_BYTES,
    jobRegistryWaitInStepMs: (jobs.registryWaitInStepSeconds ?? DEFAULT_JOB_REGISTRY_WAIT_IN_STEP_SECONDS) * 1000,
    jobConcurrency: {
      total: jobs.concurrency ?? jobDefaults.total,
      perTenant: jobs.tenantConcurrency ?? jobDefaults.perTenant,
      perRegistry: jobs.registryConcurrency ?? jobDefaults.perRegistry,
    },
    callers,
    rules,
    ruleSecrets: doc.promotion?.ruleSecrets ?? [],
    syncs,
    receivers: buildReceivers(doc.webhooks, problems),
    events: buildEvents(doc.events, problems),
    limits: {
      indexChildren: limits.indexChildren ?? DEFAULT_LIMITS.indexChildren,
      indexDepth: limits.indexDepth ?? DEFAULT_LIMITS.indexDepth,
      indexConcurrency: limits.indexConcurrency ?? DEFAULT_LIMITS.indexConcurrency,
      tagsPerSync: limits.tagsPerSync ?? DEFAULT_LIMITS.tagsPerSync,
      referrerEntries: limits.referrerEntries ?? DEFAULT_LIMITS.referrerEntries,
      referrerBytes: limits.referrerBytes ?? DEFAULT_LIMITS.referrerBytes,
      bodyTimeoutMs:
        limits.bodyTimeoutSeconds !== undefined ? limits.bodyTimeoutSeconds * 1000 : DEFAULT_LIMITS.bodyTimeoutMs,
    },
    secret: lookup,
    ...(doc.identity ? { identity: buildIdentity(doc.identity, problems) } : {}),
    managedRegistries: buildManagedRegistries(doc.managedRegistries ?? {}, problems),
    console: buildConsole(doc.console ?? {}, callers, problems),
    front: buildFront(doc.front ?? {}, problems),
  };
  if (problems.list.length) throw invalidConfig(problems.list);
  return config;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidConfig([{ path: 'top level', message: `not valid JSON${jsonPosition(text, error)}` }]);
  }
}

/**
 * Where JSON.parse stopped, as an editor counts it (" at line 4, column 5"): V8 says "at position N" (Node 20) or
 * "(line L column C)". Its reason is left out: V8 quotes the text around it, which may hold a secret.
 */
function jsonPosition(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const named = /line (\d+) column (\d+)/.exec(message);
  if (named) return ` at line ${named[1]}, column ${named[2]}`;
  const at = /at position (\d+)/.exec(message);
  if (!at) return '';
  const offset = Number(at[1]);
  const before = text.slice(0, offset);
  return ` at line ${before.split('\n').length}, column ${offset - before.lastIndexOf('\n')}`;
}
