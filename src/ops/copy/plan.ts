// Plans a copy: the manifest to tag (original, platform subset, or one unwrapped platform), every
// manifest under it in push order (children first), and the blobs they need, deduplicated.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { computeDigest } from '../../registry/digest.js';
import {
  formatPlatform,
  isIndexMediaType,
  parseManifest,
  platformMatches,
  type Descriptor,
} from '../../registry/manifest.js';
import { checkIndexBounds } from './index-bounds.js';
import { runPool } from '../../pool.js';
import { manifestByDigest, type ResolvedManifest } from '../resolve.js';

export interface PlannedManifest {
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
}

export interface PlannedBlob {
  digest: string;
  /** -1 when the manifest does not say (schema1). */
  size: number;
  mediaType: string;
}

export interface CopyPlan {
  /** What the target tags will point at. */
  top: PlannedManifest;
  /** Every manifest to push by digest, children before parents, `top` last. */
  manifests: PlannedManifest[];
  blobs: PlannedBlob[];
  /** Platforms of the images copied (index children), when the top is an index or was picked from one. */
  platforms: string[] | undefined;
  indexDigestChanged: boolean;
}

export interface PlanOptions {
  platforms: 'all' | string[];
  unwrap: boolean;
  /** The root manifest when the caller already fetched it (resolving a tag): not fetched twice. */
  root?: ResolvedManifest;
}

// Foreign layers (Windows base layers) live outside registries and must not be uploaded (distribution skips them too).
const FOREIGN_LAYER_TYPES = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
]);

interface Source {
  deps: Deps;
  registry: string;
  repository: string;
}

// A copy reads each manifest once and keeps none in the cache (inspection fills it).
const load = (src: Source, digest: string) =>
  manifestByDigest(src.deps, src.registry, src.repository, digest, { remember: false });

function planned(m: ResolvedManifest): PlannedManifest {
  return { digest: m.digest, mediaType: m.mediaType, bytes: m.bytes };
}

/** Image descriptors in an index tree (nested indexes searched) matching any wanted platform. */
async function matchingImages(
  src: Source,
  index: ResolvedManifest,
  wanted: string[],
  level = 1,
): Promise<Descriptor[]> {
  checkIndexBounds(src.deps.config.limits, index.parsed.manifests.length, level);
  const out: Descriptor[] = [];
  for (const child of index.parsed.manifests) {
    if (isIndexMediaType(child.mediaType))
      out.push(...(await matchingImages(src, await load(src, child.digest), wanted, level + 1)));
    else if (wanted.some((p) => platformMatches(p, child.platform))) out.push(child);
  }
  return out;
}

/** A new index listing exactly the chosen children; every other field of the original is kept. */
async function subsetIndex(original: ResolvedManifest, children: Descriptor[]): Promise<PlannedManifest> {
  const bytes = new TextEncoder().encode(JSON.stringify({ ...original.parsed.json, manifests: children }));
  return { digest: await computeDigest(bytes), mediaType: original.mediaType, bytes };
}

export async function planCopy(
  deps: Deps,
  registry: string,
  repository: string,
  digest: string,
  options: PlanOptions,
): Promise<CopyPlan> {
  const src: Source = { deps, registry, repository };
  const root = options.root?.digest === digest ? options.root : await load(src, digest);
  let top: PlannedManifest = planned(root);
  let topDescriptor: Descriptor | undefined;
  let indexDigestChanged = false;

  if (options.platforms !== 'all') {
    const wanted = options.platforms;
    if (root.parsed.kind !== 'index') {
      if (options.unwrap && wanted.length !== 1)
        throw new AppError('INVALID_REQUEST', 'unwrap needs exactly one platform');
    } else {
      const chosen = await matchingImages(src, root, wanted);
      for (const p of wanted) {
        if (!chosen.some((d) => platformMatches(p, d.platform)))
          throw new AppError('PLATFORM_NOT_FOUND', `the source has no ${p} image`);
      }
      if (options.unwrap) {
        if (wanted.length !== 1 || chosen.length !== 1)
          throw new AppError('INVALID_REQUEST', `unwrap needs exactly one platform; ${chosen.length} images match`);
        topDescriptor = chosen[0]!;
        top = planned(await load(src, topDescriptor.digest));
      } else {
        top = await subsetIndex(root, chosen);
        indexDigestChanged = top.digest !== root.digest;
      }
    }
  } else if (options.unwrap) {
    throw new AppError('INVALID_REQUEST', 'unwrap needs exactly one platform in "platforms"');
  }

  const manifests: PlannedManifest[] = [];
  const blobs = new Map<string, PlannedBlob>();
  const platforms: string[] = [];
  const seen = new Set<string>();
  const visit = async (m: PlannedManifest, descriptor: Descriptor | undefined, level: number): Promise<void> => {
    if (seen.has(m.digest)) return;
    seen.add(m.digest);
    const parsed = parseManifest(m.bytes, m.mediaType);
    if (parsed.kind === 'index') {
      const limits = deps.config.limits;
      checkIndexBounds(limits, parsed.manifests.length, level);
      // Fetched a few at a time (a wide index must not open a thousand requests), visited in order.
      const children: ResolvedManifest[] = new Array(parsed.manifests.length);
      await runPool([...parsed.manifests.keys()], limits.indexConcurrency, async (i) => {
        children[i] = await load(src, parsed.manifests[i]!.digest);
      });
      for (const [i, child] of parsed.manifests.entries()) await visit(planned(children[i]!), child, level + 1);
    } else {
      if (descriptor?.platform) platforms.push(formatPlatform(descriptor.platform));
      for (const blob of [...(parsed.config ? [parsed.config] : []), ...parsed.layers]) {
        if (FOREIGN_LAYER_TYPES.has(blob.mediaType) || blob.urls?.length) continue;
        if (!blobs.has(blob.digest))
          blobs.set(blob.digest, { digest: blob.digest, size: blob.size, mediaType: blob.mediaType });
      }
    }
    manifests.push(m);
  };
  await visit(top, topDescriptor, 1);
  return {
    top,
    manifests,
    blobs: [...blobs.values()],
    platforms: platforms.length ? platforms : undefined,
    indexDigestChanged,
  };
}
