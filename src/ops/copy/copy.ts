// The copy verb's front door: a request parsed into references, then one image copied, or many tags.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { hasExplicitTag, isValidTag, parseReference, parseRepositoryName } from '../../reference.js';
import type { CopyReporter, CopyResult } from './events.js';
import { copySingle } from './image.js';
import { copyTags } from './repository.js';
import { copiesManyTags, type CopyOptions, type CopyRequest, type ManyCopyResult } from './request.js';

export async function copyImage(
  deps: Deps,
  request: CopyRequest,
  reporter: CopyReporter,
  options: CopyOptions = {},
): Promise<CopyResult | ManyCopyResult> {
  if (copiesManyTags(request)) return copyTags(deps, request, reporter, options);
  const source = parseReference(request.source);
  const target = parseReference(request.target);
  // A target digest only restates the source's: the copy is untagged, as crane and regctl allow.
  if (target.digest && (target.digest !== source.digest || hasExplicitTag(request.target))) {
    throw new AppError(
      'INVALID_REQUEST',
      'a target digest must be the source digest, with no tag: the copy lands untagged',
    );
  }
  if (target.digest && request.platforms !== undefined && request.platforms !== 'all') {
    throw new AppError(
      'INVALID_REQUEST',
      'a platform subset is a new index with its own digest: give the target a tag or no digest',
    );
  }
  // Like skopeo, a target without a tag takes the source's tag; a digest source into a repository lands untagged.
  const tag = hasExplicitTag(request.target)
    ? target.tag
    : source.digest && !hasExplicitTag(request.source)
      ? undefined
      : source.tag;
  const extra = Array.isArray(request.tags) ? request.tags : [];
  for (const t of extra) if (!isValidTag(t)) throw new AppError('INVALID_REQUEST', `"${t}" is not a valid tag`);
  return copySingle(
    deps,
    {
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
    },
    reporter,
  );
}

/**
 * Copies a manifest and what it holds by digest, under no tag: a referrer (a signature, an SBOM) is
 * found through its subject, not by name. `source` names a digest; the target is a repository.
 */
export async function copyByDigest(
  deps: Deps,
  source: string,
  targetRepository: string,
  reporter: CopyReporter,
): Promise<CopyResult> {
  const from = parseReference(source);
  if (!from.digest) throw new AppError('INVALID_REQUEST', `${source} names no digest`);
  return copySingle(
    deps,
    {
      source: from,
      targetRepository: parseRepositoryName(targetRepository),
      tags: [],
      platforms: 'all',
      unwrap: false,
      verify: false,
    },
    reporter,
  );
}
