// A copy's front half, the same for the request path and a job's plan step: the source resolved once (from
// here on it is addressed by digest, so a moving tag cannot mix two images; the manifest fetched for a tag
// is the plan's root, not fetched again), then planned.

import type { Deps } from '../../deps.js';
import type { ImageReference } from '../../reference.js';
import { fetchManifest, type ResolvedManifest } from '../resolve.js';
import { planCopy, type CopyPlan } from './plan.js';
import type { ImageCopySpec } from './request.js';

export interface ResolvedSource {
  digest: string;
  /** The tag's manifest, when the source named a tag and no digest. */
  root?: ResolvedManifest;
}

export interface PreparedCopy extends ResolvedSource {
  plan: CopyPlan;
}

export async function resolveSource(deps: Deps, source: ImageReference): Promise<ResolvedSource> {
  if (source.digest) return { digest: source.digest };
  const root = await fetchManifest(deps, source.registry, source.repository, source.tag!, { remember: false });
  return { digest: root.digest, root };
}

/**
 * Resolves and plans one image copy. `resolved` hears of the source as soon as it is known to be there,
 * so the request path can start on the target while the plan reads the children.
 */
export async function prepareCopy(
  deps: Deps,
  spec: ImageCopySpec,
  resolved?: (source: ResolvedSource) => void,
): Promise<PreparedCopy> {
  const source = await resolveSource(deps, spec.source);
  resolved?.(source);
  const { registry, repository } = spec.source;
  const plan = await planCopy(deps, registry, repository, source.digest, {
    platforms: spec.platforms,
    unwrap: spec.unwrap,
    ...(source.root ? { root: source.root } : {}),
  });
  return { ...source, plan };
}
