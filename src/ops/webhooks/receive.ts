// Inbound registry events: which promotions they start. An event is a hint: the registry comes from the
// receiver's configuration, the tag is re-resolved when the job runs, and a redelivered event runs once.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { repositoryGlob } from '../../glob.js';
import { isValidDigest, isValidTag, parseRepositoryName } from '../../reference.js';
import type { WebhookReceiver } from '../../config/webhooks.js';
import { createPromotionJobOnce, type JobRecord } from '../jobs/index.js';
import { tagAllowed, listRules } from '../promote/index.js';
import { staleRuleProblem } from '../../config/rules.js';

const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

interface DistributionEvent {
  id?: unknown;
  action?: unknown;
  target?: { mediaType?: unknown; digest?: unknown; repository?: unknown; tag?: unknown };
}

export interface WebhookOutcome {
  events: number;
  jobs: string[];
  duplicates: number;
}

/** One pushed tag, as every format boils down to. */
export interface PushEvent {
  /** The sender's id for the delivery or event: the same id runs once. */
  id: string;
  repository: string;
  tag: string;
  /** Absent when the sender names only the tag (Docker Hub, Quay): resolved when the job runs. */
  digest?: string;
}

/** CNCF distribution notification envelope (events.v1/v2+json): each tagged manifest push. */
export function distributionEvents(body: unknown): PushEvent[] {
  const events = (body as { events?: unknown })?.events;
  if (!Array.isArray(events))
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a distribution notification envelope (no "events" array)');
  const out: PushEvent[] = [];
  for (const raw of events as (DistributionEvent | null)[]) {
    if (!isObject(raw)) continue;
    const t = isObject(raw.target) ? raw.target : undefined;
    if (
      raw.action !== 'push' ||
      !t ||
      typeof t.tag !== 'string' ||
      typeof t.repository !== 'string' ||
      typeof t.digest !== 'string' ||
      typeof raw.id !== 'string'
    )
      continue;
    if (!MANIFEST_TYPES.has(String(t.mediaType))) continue;
    out.push({ id: raw.id, repository: t.repository, tag: t.tag, digest: t.digest });
  }
  return out;
}

/**
 * GitHub `package` / `registry_package` events for containers: the published tag and its digest. The
 * event's id is its signed content (package version, digest, tag), not the unsigned X-GitHub-Delivery: a
 * captured body sent again under a new delivery id is the same event.
 */
export function githubEvents(body: unknown): PushEvent[] {
  const b = body as { action?: unknown; package?: GithubPackage; registry_package?: GithubPackage };
  const pkg = b.registry_package ?? b.package;
  if (!isObject(pkg)) throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a GitHub package event');
  if (b.action !== 'published' && b.action !== 'updated') return [];
  // Container metadata is what tells a container version apart: `package_type` is unreliable (GitHub's
  // own example of a docker package says "npm"). An empty tag name is an untagged manifest: nothing to do.
  const version = pkg.package_version;
  const tag = version?.container_metadata?.tag;
  const owner = pkg.owner?.login ?? pkg.namespace;
  if (
    typeof tag?.name !== 'string' ||
    typeof tag.digest !== 'string' ||
    typeof pkg.name !== 'string' ||
    typeof owner !== 'string' ||
    !tag.name ||
    !owner
  )
    return [];
  const id = `github:${String(version?.id ?? '')}:${tag.digest}:${tag.name}`;
  return [{ id, repository: `${owner}/${pkg.name}`.toLowerCase(), tag: tag.name, digest: tag.digest }];
}

/**
 * Artifact Registry notifications arrive through Pub/Sub push: `message.data` is base64 JSON with
 * `action`, `digest` ("host/path@sha256:…") and `tag` ("host/path:tag"). The host in them is ignored:
 * the receiver's registry is the one that counts.
 */
export function pubsubEvents(body: unknown): PushEvent[] {
  const message = (body as { message?: { data?: unknown; messageId?: unknown; message_id?: unknown } })?.message;
  if (!message || typeof message.data !== 'string')
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a Pub/Sub push message');
  const id = String(message.messageId ?? message.message_id ?? '');
  let data: { action?: unknown; digest?: unknown; tag?: unknown };
  try {
    data = JSON.parse(atob(message.data)) as typeof data;
  } catch {
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'the Pub/Sub message data is not base64 JSON');
  }
  if (
    !isObject(data) ||
    data.action !== 'INSERT' ||
    typeof data.tag !== 'string' ||
    typeof data.digest !== 'string' ||
    !id
  )
    return [];
  const at = data.digest.lastIndexOf('@');
  const colon = data.tag.lastIndexOf(':');
  const path = data.tag.slice(0, colon);
  const repository = path.slice(path.indexOf('/') + 1);
  return [{ id, repository, tag: data.tag.slice(colon + 1), digest: data.digest.slice(at + 1) }];
}

/** Harbor (default JSON and CloudEvents): pushed artifacts with digest and tag. */
export function harborEvents(body: unknown): PushEvent[] {
  const b = body as { type?: unknown; id?: unknown; specversion?: unknown; data?: HarborData; event_data?: HarborData };
  const data = b.event_data ?? b.data;
  if (!isObject(data) || !Array.isArray(data.resources))
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a Harbor event');
  // Default format: type PUSH_ARTIFACT; CloudEvents: harbor.artifact.pushed.
  if (b.type !== 'PUSH_ARTIFACT' && b.type !== 'harbor.artifact.pushed') return [];
  const repository = data.repository?.repo_full_name;
  if (typeof repository !== 'string') return [];
  // A CloudEvent has an id; the default format has none, so the pushed artifact itself stands in.
  const delivery = typeof b.specversion === 'string' && typeof b.id === 'string' ? `ce:${b.id}` : repository;
  return (
    data.resources
      // A push by digest repeats the digest in `tag`: no tag, nothing to promote.
      .filter((r) => isObject(r) && typeof r.tag === 'string' && typeof r.digest === 'string' && r.tag !== r.digest)
      .map((r) => ({ id: `${delivery}@${r.digest}:${r.tag}`, repository, tag: r.tag!, digest: r.digest! }))
  );
}

interface HarborData {
  resources?: { digest?: string; tag?: string }[];
  repository?: { repo_full_name?: string };
}

/** Azure Container Registry: distribution-like single events. */
export function acrEvents(body: unknown): PushEvent[] {
  const b = body as {
    id?: unknown;
    action?: unknown;
    target?: { repository?: unknown; tag?: unknown; digest?: unknown };
  };
  if (!isObject(b) || !isObject(b.target)) throw new AppError('UNKNOWN_EVENT_FORMAT', 'not an ACR event');
  const t = b.target;
  if (
    b.action !== 'push' ||
    typeof b.id !== 'string' ||
    typeof t.repository !== 'string' ||
    typeof t.tag !== 'string' ||
    typeof t.digest !== 'string'
  )
    return [];
  return [{ id: b.id, repository: t.repository, tag: t.tag, digest: t.digest }];
}

/** Docker Hub: a tag was pushed (no digest: it is resolved when the job runs). */
export function dockerHubEvents(body: unknown): PushEvent[] {
  const b = body as { push_data?: { tag?: unknown; pushed_at?: unknown }; repository?: { repo_name?: unknown } };
  if (!isObject(b?.push_data) || !isObject(b.repository))
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a Docker Hub event');
  if (typeof b.push_data.tag !== 'string' || typeof b.repository.repo_name !== 'string') return [];
  // pushed_at is a number in Docker Hub's events; anything else is not turned into text (a deep array would overflow).
  const at =
    typeof b.push_data.pushed_at === 'number' || typeof b.push_data.pushed_at === 'string' ? b.push_data.pushed_at : '';
  return [
    {
      id: `${b.repository.repo_name}:${b.push_data.tag}:${at}`,
      repository: b.repository.repo_name,
      tag: b.push_data.tag,
    },
  ];
}

/** Quay: updated tags of a repository (no digests; resolved when the job runs). */
export function quayEvents(body: unknown, bodyDigest: string): PushEvent[] {
  const b = body as { repository?: unknown; updated_tags?: unknown };
  if (typeof b?.repository !== 'string' || !Array.isArray(b.updated_tags))
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a Quay event');
  const repository = b.repository;
  return b.updated_tags
    .filter((t): t is string => typeof t === 'string')
    .map((tag) => ({ id: `${bodyDigest}:${tag}`, repository, tag }));
}

interface GithubPackage {
  name?: string;
  namespace?: string;
  package_type?: string;
  owner?: { login?: string };
  package_version?: { id?: number | string; container_metadata?: { tag?: { name?: string; digest?: string } } };
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Starts a promotion job per (event, matching rule), each pinned to the pushed digest; a repeated event runs once. */
export async function startPromotions(
  deps: Deps,
  receiver: WebhookReceiver,
  events: PushEvent[],
): Promise<WebhookOutcome> {
  const outcome: WebhookOutcome = { events: events.length, jobs: [], duplicates: 0 };
  if (!deps.jobs) throw new AppError('NOT_SUPPORTED', 'this runtime has no job runner for promotions');
  const rules = await listRules(deps);
  for (const event of events) {
    if (!isValidTag(event.tag) || (event.digest !== undefined && !isValidDigest(event.digest))) continue;
    const pinned = event.digest === undefined ? '' : `@${event.digest}`;
    // The receiver's registry, normalised as references are (docker.io is registry-1.docker.io, with library/).
    let name;
    try {
      name = parseRepositoryName(`${receiver.registry}/${event.repository}`);
    } catch {
      continue; // "staging/../team-b/secret" names no repository
    }
    const repository = `${name.registry}/${name.repository}`;
    for (const rule of rules) {
      // A rule stored under an older schema still gets its job, which fails RULE_INVALID where operators look.
      if (
        !repositoryGlob(rule.source.repository).test(repository) ||
        (!staleRuleProblem(rule) && !tagAllowed(rule, event.tag))
      )
        continue;
      // The job id comes from the receiver, event and rule, and the state store creates a job id once: a
      // redelivery (here or anywhere else, at once or days later while the job is kept) finds the same job
      // and leaves it as it is.
      const base = await jobId(`${receiver.id}\u0000${event.id}\u0000${rule.name}`);
      const owner = { id: `webhook:${receiver.id}`, readScope: [rule.source.repository] };
      // The sender's event id, as it named it: kept short, it goes into job records and log lines.
      const trigger = { receiver: receiver.id, delivery: event.id.slice(0, 200) };
      const job = await createOrRetry(deps, base, (id) =>
        createPromotionJobOnce(deps, { source: `${repository}:${event.tag}${pinned}`, rule, trigger }, owner, id),
      );
      if (!job) {
        outcome.duplicates++;
        continue;
      }
      await deps.jobs.enqueue(job);
      outcome.jobs.push(job);
    }
  }
  return outcome;
}

// A redelivered event whose job failed may run again, this many times.
const MAX_EVENT_RETRIES = 5;

/**
 * Creates the event's job under `base`; when that id's job failed, under `base.r<n>` (a Workflow instance id
 * is never reused). Returns the new job's id, or undefined when the event is a duplicate.
 */
async function createOrRetry(
  deps: Deps,
  base: string,
  create: (id: string) => Promise<{ job: JobRecord; created: boolean }>,
): Promise<string | undefined> {
  for (let attempt = 0; attempt <= MAX_EVENT_RETRIES; attempt++) {
    const id = attempt === 0 ? base : `${base}.r${attempt}`;
    const { job, created } = await create(id);
    if (created) return id;
    if (job.state !== 'failed') return undefined;
  }
  return undefined;
}

async function jobId(key: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return Array.from(hash.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}
