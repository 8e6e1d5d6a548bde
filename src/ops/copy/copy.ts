// The copy verbs' front door, as crane's: copyImage (one image) and copyRepository (many tags), each with
// its own result, taking a request parsed once (parseCopySpec).

import type { Deps } from '../../deps.js';
import type { CopyReporter, CopyResult } from './events.js';
import { copySingle, type ImageCopyOptions } from './image.js';
import { withReferrers } from './referrers.js';
import type { ImageCopySpec } from './request.js';

export { copyRepository } from './repository.js';

/** Copies one image (crane's Copy), and its referrers where the spec asks for them. */
export async function copyImage(
  deps: Deps,
  spec: ImageCopySpec,
  reporter: CopyReporter,
  options: ImageCopyOptions = {},
): Promise<CopyResult> {
  return withReferrers(deps, spec, await copySingle(deps, spec, reporter, options), reporter);
}
