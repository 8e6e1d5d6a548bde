// Copies an image between registries: resolve once, short-circuit when the target already has it, plan,
// move blobs with bounded concurrency, push manifests children first, and write tags last.

import { ensureRepository } from './cloud/repositories.js';
import type { Deps } from '../deps.js';
import { compilePattern, PatternError, type TagPattern } from '../patterns.js';
import { AppError, isAppError } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import { formatReference, hasExplicitTag, isValidTag, parseReference, parseRepositoryName, type ImageReference } from '../reference.js';
import { BlobMemory, transferBlob, type RetryBudget } from './blob-transfer.js';
import type { CopyReporter, CopyResult } from './copy-events.js';
import { planCost, type PlanCost } from './copy-budget.js';
import { planCopy, type PlannedBlob, type PlannedManifest } from './copy-plan.js';
import { registryClient } from './clients.js';
import { runPool } from './pool.js';
import { fetchManifest, rememberTag, type ResolvedManifest } from './resolve.js';

const MAX_MOUNT_CONCURRENCY = 24;

export interface CopyRequest {
  source: string;
  target: string;
  /** Extra target tags, or (with a repository as source) which source tags to copy. */
  tags?: string[] | 'all' | { regex: string };
  platforms?: 'all' | string[];
  unwrap?: boolean;
  verify?: boolean;
  /** false: answer 202 with a job at once, and copy outside the request. */
  wait?: boolean;
}

export interface ManyCopyResult {
  results: CopyResult[];
  /** Tags the source listed that are not valid tags (a hostile or broken registry): not copied. */
  skipped?: { tag: string; reason: string }[];
}

interface SingleCopy {
  source: ImageReference;
  targetRepository: { registry: string; repository: string };
  tags: string[];
  platforms: 'all' | string[];
  unwrap: boolean;
  verify: boolean;
  beforeTag?: TagGuard;
  blobsPlaced?: boolean;
  admit?: (cost: PlanCost) => void;
  signal?: AbortSignal;
  readable?: (repository: string) => boolean;
  actor?: string;
  /**
   * Where blobs are, kept by the caller (a later tag of a many-tags copy): no cache read or write here.
   * Without it the copy reads its image's locations and writes them back, and remembers its first tag.
   */
  memory?: BlobMemory;
}

/** Runs right before a tag is written, and throws to keep it from being written. */
export type TagGuard = (tag: string) => Promise<void>;

export interface CopyOptions {
  beforeTag?: TagGuard;
  /** Earlier steps brought the blobs to the target (a Workflow job): look there first. */
  blobsPlaced?: boolean;
  /** A many-tags copy's tags when the caller listed them already (selectTags): not listed twice. */
  selectedTags?: string[];
  /** Prices each plan before any byte moves (a synchronous copy: throws OverBudget to become a job). */
  admit?: (cost: PlanCost) => void;
  /** Once aborted, the copy starts nothing more (its rest was handed to a job); what runs finishes. */
  signal?: AbortSignal;
  /**
   * Which "registry/repository" the copy may read on its caller's behalf: a blob is mounted only from one of
   * these (or the source itself), never from wherever Ferry remembers it, so a mount cannot widen access.
   */
  readable?: (repository: string) => boolean;
  /** Who the copy is for (a caller id): named in the audit record of a repository the copy had to create. */
  actor?: string;
}

/** The repositories a copy reads and writes ("registry/repository"), for authorisation before it starts. */
export function copySubjects(request: CopyRequest): { source: string; target: string } {
  const manyTags = copiesManyTags(request);
  const source = manyTags ? parseRepositoryName(request.source) : parseReference(request.source);
  const target = manyTags ? parseRepositoryName(request.target) : parseReference(request.target);
  return { source: `${source.registry}/${source.repository}`, target: `${target.registry}/${target.repository}` };
}

export async function copyImage(deps: Deps, request: CopyRequest, reporter: CopyReporter, options: CopyOptions = {}): Promise<CopyResult | ManyCopyResult> {
  if (copiesManyTags(request)) return copyTags(deps, request, reporter, options);
  const source = parseReference(request.source);
  const target = parseReference(request.target);
  // A target digest only restates the source's: the copy is untagged, as crane and regctl allow.
  if (target.digest && (target.digest !== source.digest || hasExplicitTag(request.target))) {
    throw new AppError('INVALID_REQUEST', 'a target digest must be the source digest, with no tag: the copy lands untagged');
  }
  if (target.digest && request.platforms !== undefined && request.platforms !== 'all') {
    throw new AppError('INVALID_REQUEST', 'a platform subset is a new index with its own digest: give the target a tag or no digest');
  }
  // Like skopeo, a target without a tag takes the source's tag; a digest source into a repository lands untagged.
  const tag = hasExplicitTag(request.target) ? target.tag : source.digest && !hasExplicitTag(request.source) ? undefined : source.tag;
  const extra = Array.isArray(request.tags) ? request.tags : [];
  for (const t of extra) if (!isValidTag(t)) throw new AppError('INVALID_REQUEST', `"${t}" is not a valid tag`);
  return copySingle(deps, {
    source,
    targetRepository: { registry: target.registry, repository: target.repository },
    tags: [...new Set([...(tag ? [tag] : []), ...extra])],
    platforms: request.platforms ?? 'all',
    unwrap: request.unwrap === true,
    verify: request.verify === true,
    ...(options.beforeTag ? { beforeTag: options.beforeTag } : {}),
    ...(options.blobsPlaced ? { blobsPlaced: true } : {}),
    ...(options.admit ? { admit: options.admit } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.readable ? { readable: options.readable } : {}),
    ...(options.actor ? { actor: options.actor } : {}),
  }, reporter);
}

/**
 * Copies a manifest and what it holds by digest, under no tag: a referrer (a signature, an SBOM) is
 * found through its subject, not by name. `source` names a digest; the target is a repository.
 */
export async function copyByDigest(deps: Deps, source: string, targetRepository: string, reporter: CopyReporter): Promise<CopyResult> {
  const from = parseReference(source);
  if (!from.digest) throw new AppError('INVALID_REQUEST', `${source} names no digest`);
  return copySingle(deps, { source: from, targetRepository: parseRepositoryName(targetRepository), tags: [], platforms: 'all', unwrap: false, verify: false }, reporter);
}

/** True when the request copies a set of source tags (`tags: "all"` or `{match}`). */
export function copiesManyTags(request: CopyRequest): boolean {
  return request.tags === 'all' || (typeof request.tags === 'object' && !Array.isArray(request.tags));
}

const everyTag = () => true;

/** The source tags a many-tags copy takes, sorted: one tag list request, no manifest fetched. */
export async function selectTags(deps: Deps, request: CopyRequest): Promise<string[]> {
  const source = parseRepositoryName(request.source);
  let filter: (tag: string) => boolean = everyTag;
  if (typeof request.tags === 'object' && !Array.isArray(request.tags)) {
    let pattern: TagPattern;
    try {
      pattern = compilePattern(request.tags.regex);
    } catch (error) {
      if (error instanceof PatternError) throw new AppError('INVALID_REQUEST', `tags.regex: ${error.message}`);
      throw error;
    }
    filter = (tag) => pattern.found(tag);
  }
  const { tags } = await registryClient(deps, source.registry).listTags(source.repository);
  const selected = tags.filter(filter).sort();
  if (selected.length === 0 && filter !== everyTag && tags.length > 0) {
    const examples = tags.slice(0, 5);
    throw new AppError('NO_TAGS_MATCHED', `the pattern matches none of the ${tags.length} tags of ${request.source} (such as ${examples.map((t) => `"${t}"`).join(', ')}); it is an unanchored search, as skopeo sync's`, {
      details: { tags: tags.length, examples },
    });
  }
  const cap = deps.config.limits.tagsPerSync;
  if (selected.length > cap) {
    throw new AppError('LIMIT_EXCEEDED', `${selected.length} tags match, more than limits.tagsPerSync (${cap}) allows in one sync`, { details: { limit: 'limits.tagsPerSync', value: cap } });
  }
  return selected;
}

async function copyTags(deps: Deps, request: CopyRequest, reporter: CopyReporter, options: CopyOptions): Promise<ManyCopyResult> {
  const source = parseRepositoryName(request.source);
  const target = parseRepositoryName(request.target);
  const results: CopyResult[] = [];
  // Caches as for one copy (KV allows 1,000 operations per invocation): the first tag reads and writes
  // them; later tags look first in the target repository, where the first tags put their shared blobs.
  let memory: BlobMemory | undefined;
  const listed = options.selectedTags ?? (await selectTags(deps, request));
  // A tag from a registry is checked before it names anything: "../../x/manifests/y" would name another path.
  const skipped = listed.filter((t) => !isValidTag(t)).map((tag) => ({ tag, reason: 'not a valid tag: the source registry listed it, Ferry did not copy it' }));
  for (const tag of listed.filter(isValidTag)) {
    options.signal?.throwIfAborted();
    results.push(
      await copySingle(deps, {
        source: { ...source, tag },
        targetRepository: target,
        tags: [tag],
        platforms: request.platforms ?? 'all',
        unwrap: request.unwrap === true,
        verify: request.verify === true,
        ...(memory ? { memory } : {}),
        ...(options.admit ? { admit: options.admit } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.readable ? { readable: options.readable } : {}),
        ...(options.actor ? { actor: options.actor } : {}),
      }, reporter),
    );
    if (!memory) (memory = BlobMemory.none(target.registry)).assume(target.repository);
  }
  return skipped.length ? { results, skipped } : { results };
}

async function copySingle(deps: Deps, job: SingleCopy, reporter: CopyReporter): Promise<CopyResult> {
  const sourceClient = registryClient(deps, job.source.registry);
  const targetClient = registryClient(deps, job.targetRepository.registry);
  const { registry, repository } = job.targetRepository;

  // Resolve once: from here on everything is addressed by digest, so a moving tag cannot mix two images.
  // The manifest fetched for the tag is the plan's root: it is not fetched again.
  let root: ResolvedManifest | undefined;
  if (!job.source.digest) root = await fetchManifest(deps, job.source.registry, job.source.repository, job.source.tag!, { remember: false });
  const digest = job.source.digest ?? root!.digest;
  const sourceByDigest = formatReference({ ...job.source, digest });
  // The source's pull quota as its answer announced it (Docker Hub), so a caller sees it run low.
  reporter.emit({ type: 'resolved', source: sourceByDigest, digest, ...(root?.rateLimit ? { rateLimit: root.rateLimit } : {}) });

  // The source is there: from here the target's ping overlaps the plan's reads (its failure is for the
  // target's first request to report). Copying every platform, the target's manifest will be the source's
  // own, so whether the target already has it is asked meanwhile too (a warm copy of an index: four rounds
  // of requests instead of five). A source that is not there leaves the target unasked.
  const targetPinged = targetClient.transport.ping().catch(() => undefined);
  const early = job.platforms === 'all' && !job.unwrap ? targetPinged.then(() => alreadyThere(targetClient, repository, job.tags, digest)) : undefined;
  early?.catch(() => undefined); // heard below, unless the plan fails first
  const plan = await planCopy(deps, job.source.registry, job.source.repository, digest, { platforms: job.platforms, unwrap: job.unwrap, ...(root ? { root } : {}) });
  const result: CopyResult = {
    source: sourceByDigest,
    target: `${registry}/${repository}`,
    digest: plan.top.digest,
    size: plan.top.bytes.byteLength,
    mediaType: plan.top.mediaType,
    tags: job.tags,
    ...(plan.platforms ? { platforms: plan.platforms } : {}),
    ...(plan.indexDigestChanged ? { indexDigestChanged: true } : {}),
  };

  // The KV read is cheap next to a registry round trip: start it while checking the target's tags.
  const loading = job.memory ? Promise.resolve(job.memory) : BlobMemory.load(deps, registry, plan.top.digest);
  await targetPinged; // not a second ping
  if (await (early ?? alreadyThere(targetClient, repository, job.tags, plan.top.digest))) {
    reporter.emit({ type: 'done', result });
    return result;
  }

  job.admit?.(planCost(plan, job.tags.length, targetClient.transport.registry?.upload));
  await ensureRepository(deps, registry, repository, job.actor ?? 'ferry');
  reporter.emit({ type: 'plan', manifests: plan.manifests.length, blobs: plan.blobs.length, bytes: plan.blobs.reduce((sum, b) => sum + Math.max(0, b.size), 0) });
  const ends = {
    source: sourceClient,
    sourceRepository: job.source.repository,
    target: targetClient,
    targetRepository: repository,
    verify: job.verify,
    resumeDownloads: deps.config.resumeDownloads,
    mayMountFrom: job.readable ?? (() => false),
  };
  const budget: RetryBudget = { remaining: deps.config.retryBudget };
  const memory = await loading;
  if (job.blobsPlaced) memory.assume(repository);
  const move = (blob: PlannedBlob) => {
    job.signal?.throwIfAborted();
    return transferBlob(deps, ends, blob, memory, reporter, budget);
  };
  // Mounts move no bytes and take one short request each: they get a wider pool than streams.
  const mountable = plan.blobs.filter((b) => memory.canMount(b.digest, ends));
  const streamed = plan.blobs.filter((b) => !mountable.includes(b));
  try {
    await Promise.all([
      runPool(mountable, Math.min(MAX_MOUNT_CONCURRENCY, deps.config.copyConcurrency * 4), move),
      runPool(streamed, deps.config.copyConcurrency, move),
    ]);
    job.signal?.throwIfAborted();
    for (const manifest of plan.manifests) await pushManifest(targetClient, repository, manifest, manifest.digest, reporter);
    // Tags last: every blob and child is in place, so no tag ever names an incomplete image.
    for (const tag of job.tags) {
      job.signal?.throwIfAborted(); // a cancelled job writes no tag
      await job.beforeTag?.(tag);
      await pushManifest(targetClient, repository, plan.top, tag, reporter);
    }
    memory.holds(repository);
    // One tag resolution per copy, as inspect would have read it: the first tag now names this digest.
    if (job.tags[0] && !job.memory) rememberTag(deps, registry, repository, job.tags[0], plan.top.digest);
  } finally {
    // Where the image now is: a hint for later mounts, written once and after the answer.
    memory.save(deps);
  }
  reporter.emit({ type: 'done', result });
  return result;
}

/** True when every tag names the digest; without tags, when the manifest is there by digest. */
async function alreadyThere(client: RegistryClient, repository: string, tags: string[], digest: string): Promise<boolean> {
  if (!tags.length) return (await client.headManifest(repository, digest, { primary: true })) !== null;
  for (const tag of tags) {
    const head = await client.headManifest(repository, tag, { primary: true });
    if (head?.digest !== digest) return false;
  }
  return true;
}

async function pushManifest(client: RegistryClient, repository: string, manifest: PlannedManifest, reference: string, reporter: CopyReporter): Promise<void> {
  const byDigest = reference.startsWith('sha256:') || reference.startsWith('sha512:');
  try {
    if (byDigest && (await client.headManifest(repository, reference, { primary: true }))) return;
    const stored = await client.putManifest(repository, reference, manifest.bytes, manifest.mediaType);
    if (stored !== manifest.digest) {
      throw new AppError('DIGEST_MISMATCH', `the target stored the manifest as ${stored}, expected ${manifest.digest}`);
    }
  } catch (error) {
    const base = isAppError(error) ? error : new AppError('UPSTREAM_UNAVAILABLE', String(error));
    throw new AppError(base.code, `manifest ${manifest.digest}${byDigest ? '' : ` (tag ${reference})`}: ${base.message}`, {
      status: base.status,
      cause: error,
      details: { ...base.details, manifest: manifest.digest, ...(byDigest ? {} : { tag: reference }) },
    });
  }
  reporter.emit({ type: 'pushed', manifest: manifest.digest, mediaType: manifest.mediaType, reference });
}

