// A copy's dry run: what the copy would write and move, with the target asked as the copy asks it. The
// digest the target's tags will name (the source's, the platform's image, or a new index of the chosen
// platforms), whether they name it already, and each blob as copied, mounted (from where Ferry remembers the
// image, or the source's own repository in the same registry) or already there. Nothing is written.

import type { Deps } from '../../deps.js';
import { formatReference } from '../../reference.js';
import { runPool } from '../../pool.js';
import { registryClient } from '../registries/index.js';
import { blobEnds, BlobMemory, mountCandidates } from './blob-memory.js';
import { alreadyThere } from './image.js';
import { prepareCopy } from './prepare.js';
import type { ImageCopySpec } from './request.js';

export type DryRunAction = 'copy' | 'mount' | 'skip';

export interface CopyDryRun {
  /** The source pinned by digest. */
  source: string;
  /** "registry/repository" */
  target: string;
  tags: string[];
  /** What the target's tags will name once copied. */
  digest: string;
  mediaType: string;
  platforms?: string[];
  /** A new index of the chosen platforms: its digest is not the source's. */
  indexDigestChanged?: true;
  /** Every tag names the digest already: the copy would write nothing. */
  upToDate: boolean;
  manifests: number;
  blobs: { digest: string; size: number; action: DryRunAction; from?: string }[];
  bytes: Record<DryRunAction, number>;
}

const BLOBS_AT_ONCE = 8;

/** `mayMountFrom`: the repositories the caller may read, which a mount may take blobs from. */
export async function dryRunCopy(
  deps: Deps,
  spec: ImageCopySpec,
  mayMountFrom: (repository: string) => boolean,
): Promise<CopyDryRun> {
  const { registry, repository } = spec.target;
  const target = registryClient(deps, registry);
  const { digest, plan } = await prepareCopy(deps, spec);
  const upToDate = await alreadyThere(target, repository, spec.tags, plan.top.digest);
  const memory = await BlobMemory.load(deps, registry, plan.top.digest);
  const ends = blobEnds(deps, spec.source, spec.target, { verify: spec.verify, mayMountFrom });
  const blobs = new Array<CopyDryRun['blobs'][number]>(plan.blobs.length);
  await runPool([...plan.blobs.keys()], BLOBS_AT_ONCE, async (i) => {
    const blob = plan.blobs[i]!;
    const size = Math.max(0, blob.size);
    const there = upToDate || (await target.headBlob(repository, blob.digest, { primary: true })) !== null;
    const [from] = there ? [] : mountCandidates(ends, memory.known(blob.digest));
    blobs[i] = {
      digest: blob.digest,
      size,
      action: there ? 'skip' : from !== undefined ? 'mount' : 'copy',
      ...(from !== undefined ? { from: `${registry}/${from}` } : {}),
    };
  });
  const bytes = { copy: 0, mount: 0, skip: 0 };
  for (const b of blobs) bytes[b.action] += b.size;
  return {
    source: formatReference({ ...spec.source, digest }),
    target: `${registry}/${repository}`,
    tags: spec.tags,
    digest: plan.top.digest,
    mediaType: plan.top.mediaType,
    ...(plan.platforms ? { platforms: plan.platforms } : {}),
    ...(plan.indexDigestChanged ? { indexDigestChanged: true as const } : {}),
    upToDate,
    manifests: plan.manifests.length,
    blobs,
    bytes,
  };
}
