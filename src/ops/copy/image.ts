// Copies one image between registries: resolve once, short-circuit when the target already has it, plan,
// move blobs with bounded concurrency, push manifests children first, and write tags last.

import type { Deps } from '../../deps.js';
import { AppError, isAppError } from '../../errors.js';
import type { RegistryClient } from '../../registry/client.js';
import { BlobUploader } from '../../registry/upload.js';
import { formatReference } from '../../reference.js';
import { ensureRepository, registryClient } from '../registries/index.js';
import { rememberTag } from '../resolve.js';
import { listUnderSubject } from '../referrers.js';
import { prepareCopy } from './prepare.js';
import { blobEnds, BlobMemory } from './blob-memory.js';
import { transferBlob, type RetryBudget } from './blobs.js';
import { planCost } from './budget.js';
import type { CopyReporter, CopyResult } from './events.js';
import type { PlannedBlob, PlannedManifest } from './plan.js';
import { runPool } from '../../pool.js';
import type { CopyOptions, ImageCopySpec } from './request.js';

const MAX_MOUNT_CONCURRENCY = 24;

/** How a copy runs beside what it copies; `memory`: where blobs are, kept by the caller (a later tag of a
 * many-tags copy): no cache read or write here. Without it the copy reads its image's locations and writes
 * them back, and remembers its first tag. */
export type ImageCopyOptions = Omit<CopyOptions, 'selectedTags'> & { memory?: BlobMemory };

export async function copySingle(
  deps: Deps,
  spec: ImageCopySpec,
  reporter: CopyReporter,
  options: ImageCopyOptions = {},
): Promise<CopyResult> {
  const targetClient = registryClient(deps, spec.target.registry);
  const { registry, repository } = spec.target;

  // The source is there once resolved: from then the target's ping overlaps the plan's reads (its failure is
  // for the target's first request to report). Copying every platform, the target's manifest will be the
  // source's own, so whether the target already has it is asked meanwhile too (a warm copy of an index: four
  // rounds of requests instead of five). A source that is not there leaves the target unasked.
  let targetPinged: Promise<unknown> = Promise.resolve();
  let early: Promise<boolean> | undefined;
  const { digest, plan } = await prepareCopy(deps, spec, ({ digest, root }) => {
    // The source's pull quota as its answer announced it (Docker Hub), so a caller sees it run low.
    const source = formatReference({ ...spec.source, digest });
    reporter.emit({ type: 'resolved', source, digest, ...(root?.rateLimit ? { rateLimit: root.rateLimit } : {}) });
    targetPinged = targetClient.transport.ping().catch(() => undefined);
    if (spec.platforms === 'all' && !spec.unwrap && !options.targetAsked) {
      early = targetPinged.then(() => alreadyThere(targetClient, repository, spec.tags, digest));
      early.catch(() => undefined); // heard below, unless the plan fails first
    }
  });
  const sourceByDigest = formatReference({ ...spec.source, digest });
  const result: CopyResult = {
    source: sourceByDigest,
    target: `${registry}/${repository}`,
    digest: plan.top.digest,
    size: plan.top.bytes.byteLength,
    mediaType: plan.top.mediaType,
    tags: spec.tags,
    ...(plan.platforms ? { platforms: plan.platforms } : {}),
    ...(plan.indexDigestChanged ? { indexDigestChanged: true } : {}),
  };

  // The KV read is cheap next to a registry round trip: start it while checking the target's tags.
  const loading = options.memory ? Promise.resolve(options.memory) : BlobMemory.load(deps, registry, plan.top.digest);
  await targetPinged; // not a second ping
  if (spec.noClobber) await refuseClobbering(targetClient, `${registry}/${repository}`, spec.tags, plan.top.digest);
  if (!options.targetAsked && (await (early ?? alreadyThere(targetClient, repository, spec.tags, plan.top.digest)))) {
    await listUnderSubject(targetClient, repository, plan.top); // a copy that stopped before listing it
    reporter.emit({ type: 'done', result });
    return result;
  }

  const uploader = new BlobUploader(targetClient, repository);
  options.admit?.(planCost(plan, spec.tags.length, (size) => uploader.chunksFor(size)));
  await ensureRepository(deps, registry, repository, options.actor ?? 'ferry');
  reporter.emit({
    type: 'plan',
    manifests: plan.manifests.length,
    blobs: plan.blobs.length,
    bytes: plan.blobs.reduce((sum, b) => sum + Math.max(0, b.size), 0),
  });
  const ends = blobEnds(deps, spec.source, spec.target, {
    verify: spec.verify,
    ...(options.readable ? { mayMountFrom: options.readable } : {}),
    ...(options.uploadOwner ? { uploadOwner: options.uploadOwner } : {}),
  });
  const budget: RetryBudget = { remaining: deps.config.retryBudget };
  const memory = await loading;
  if (options.blobsPlaced) memory.assume(repository);
  const move = (blob: PlannedBlob) => {
    options.signal?.throwIfAborted();
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
    options.signal?.throwIfAborted();
    // The top goes by digest only when no tag will name it: a tag's PUT stores it (and checks its digest).
    for (const manifest of plan.manifests)
      if (manifest !== plan.top || !spec.tags.length)
        await pushManifest(targetClient, repository, manifest, manifest.digest, reporter);
    // Tags last: every blob and child is in place, so no tag ever names an incomplete image.
    for (const tag of spec.tags) {
      options.signal?.throwIfAborted(); // a cancelled job writes no tag
      await options.beforeTag?.(tag);
      await pushManifest(targetClient, repository, plan.top, tag, reporter);
    }
    await listUnderSubject(targetClient, repository, plan.top);
    memory.holds(repository);
    // One tag resolution per copy, as inspect would have read it: the first tag now names this digest.
    if (spec.tags[0] && !options.memory) rememberTag(deps, registry, repository, spec.tags[0], plan.top.digest);
  } finally {
    // Where the image now is: a hint for later mounts, written once and after the answer.
    memory.save(deps);
  }
  reporter.emit({ type: 'done', result });
  return result;
}

/** Throws TAG_EXISTS when a tag at the target names an image other than `digest` (before any byte moves). */
async function refuseClobbering(client: RegistryClient, target: string, tags: string[], digest: string): Promise<void> {
  const repository = target.slice(target.indexOf('/') + 1);
  for (const tag of tags) {
    const there = (await client.headManifest(repository, tag, { primary: true }))?.digest;
    if (there && there !== digest)
      throw new AppError('TAG_EXISTS', `${target}:${tag} names ${there} already: --no-clobber leaves it`, {
        details: { tag, digest: there },
      });
  }
}

/** True when every tag names the digest; without tags, when the manifest is there by digest. */
export async function alreadyThere(
  client: RegistryClient,
  repository: string,
  tags: string[],
  digest: string,
): Promise<boolean> {
  if (!tags.length) return (await client.headManifest(repository, digest, { primary: true })) !== null;
  for (const tag of tags) {
    const head = await client.headManifest(repository, tag, { primary: true });
    if (head?.digest !== digest) return false;
  }
  return true;
}

async function pushManifest(
  client: RegistryClient,
  repository: string,
  manifest: PlannedManifest,
  reference: string,
  reporter: CopyReporter,
): Promise<void> {
  const byDigest = reference.startsWith('sha256:') || reference.startsWith('sha512:');
  try {
    if (byDigest && (await client.headManifest(repository, reference, { primary: true }))) return;
    const stored = await client.putManifest(repository, reference, manifest.bytes, manifest.mediaType);
    if (stored !== manifest.digest) {
      throw new AppError('DIGEST_MISMATCH', `the target stored the manifest as ${stored}, expected ${manifest.digest}`);
    }
  } catch (error) {
    const base = isAppError(error) ? error : new AppError('UPSTREAM_UNAVAILABLE', String(error));
    throw new AppError(
      base.code,
      `manifest ${manifest.digest}${byDigest ? '' : ` (tag ${reference})`}: ${base.message}`,
      {
        status: base.status,
        cause: error,
        details: { ...base.details, manifest: manifest.digest, ...(byDigest ? {} : { tag: reference }) },
      },
    );
  }
  reporter.emit({ type: 'pushed', manifest: manifest.digest, mediaType: manifest.mediaType, reference });
}
