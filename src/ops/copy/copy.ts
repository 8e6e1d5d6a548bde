// The copy verbs' front door, as crane's: copyImage (one image) and copyRepository (many tags), each with
// its own result, taking a request parsed once (parseCopySpec).

import type { Deps } from '../../deps.js';
import type { CopyReporter, CopyResult } from './events.js';
import { copySingle, type ImageCopyOptions } from './image.js';
import { withReferrers } from './referrers.js';
import { copyRepository as copyEachTag } from './repository.js';
import type { CopyOptions, ImageCopySpec, ManyCopyResult, RepositoryCopySpec } from './request.js';

/** A copy counted once it ends: its outcome, and how long it took. */
async function counted<T>(deps: Deps, copy: () => Promise<T>, failed: (result: T) => boolean): Promise<T> {
  const started = deps.now();
  const end = (outcome: 'completed' | 'failed') => {
    deps.metrics?.count('copies', { outcome });
    deps.metrics?.observe('copySeconds', { outcome }, (deps.now() - started) / 1000);
  };
  try {
    const result = await copy();
    end(failed(result) ? 'failed' : 'completed');
    return result;
  } catch (error) {
    end('failed');
    throw error;
  }
}

/** Copies one image (crane's Copy), and its referrers where the spec asks for them. */
export async function copyImage(
  deps: Deps,
  spec: ImageCopySpec,
  reporter: CopyReporter,
  options: ImageCopyOptions = {},
): Promise<CopyResult> {
  return counted(
    deps,
    async () => withReferrers(deps, spec, await copySingle(deps, spec, reporter, options), reporter),
    () => false,
  );
}

/** Copies many tags (crane's CopyRepository); one that failed some tags counts as failed. */
export function copyRepository(
  deps: Deps,
  spec: RepositoryCopySpec,
  reporter: CopyReporter,
  options: CopyOptions = {},
): Promise<ManyCopyResult> {
  return counted(
    deps,
    () => copyEachTag(deps, spec, reporter, options),
    (result) => !!result.failed?.length,
  );
}
