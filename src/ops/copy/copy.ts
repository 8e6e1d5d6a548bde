// The copy verbs' front door, as crane's: copyImage (one image) and copyRepository (many tags), each with
// its own result, taking a request parsed once (parseCopySpec); copyByDigest for what is found by digest.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { parseReference, parseRepositoryName } from '../../reference.js';
import type { CopyReporter, CopyResult } from './events.js';
import { copySingle, type ImageCopyOptions } from './image.js';
import { imageCopySpec, type ImageCopySpec } from './request.js';

export { copyRepository } from './repository.js';

/** Copies one image (crane's Copy). */
export function copyImage(
  deps: Deps,
  spec: ImageCopySpec,
  reporter: CopyReporter,
  options: ImageCopyOptions = {},
): Promise<CopyResult> {
  return copySingle(deps, spec, reporter, options);
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
  return copySingle(deps, imageCopySpec(from, parseRepositoryName(targetRepository), []), reporter);
}
