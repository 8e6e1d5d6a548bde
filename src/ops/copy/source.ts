// A copy's source resolved once: from here on it is addressed by digest, so a moving tag cannot mix two
// images. The manifest fetched for a tag is the plan's root, not fetched again.

import type { Deps } from '../../deps.js';
import type { ImageReference } from '../../reference.js';
import { fetchManifest, type ResolvedManifest } from '../resolve.js';

export interface ResolvedSource {
  digest: string;
  /** The tag's manifest, when the source named a tag and no digest. */
  root?: ResolvedManifest;
}

export async function resolveSource(deps: Deps, source: ImageReference): Promise<ResolvedSource> {
  if (source.digest) return { digest: source.digest };
  const root = await fetchManifest(deps, source.registry, source.repository, source.tag!, { remember: false });
  return { digest: root.digest, root };
}
