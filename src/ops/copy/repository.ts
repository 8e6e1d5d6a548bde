// Copies many tags of a repository (`tags: "all"` or a pattern), as crane's CopyRepository and skopeo
// sync do: the tags listed once, each copied as an image of its own, sharing what is known of the blobs.

import type { Deps } from '../../deps.js';
import { AppError, isAppError } from '../../errors.js';
import { compilePattern, PatternError, type TagPattern } from '../../patterns.js';
import { isValidTag } from '../../reference.js';
import { heldUntil } from '../../registry/retry.js';
import { registryClient } from '../registries/index.js';
import { BlobMemory } from './blob-memory.js';
import type { CopyReporter, CopyResult } from './events.js';
import { copySingle } from './image.js';
import { withReferrers } from './referrers.js';
import type { CopyOptions, FailedTag, ManyCopyResult, RepositoryCopySpec } from './request.js';

const everyTag = () => true;

/** The source tags a many-tags copy takes, sorted: one tag list request, no manifest fetched. */
export async function selectTags(deps: Deps, spec: RepositoryCopySpec): Promise<string[]> {
  const { source, selection } = spec;
  let filter: (tag: string) => boolean = everyTag;
  if (selection !== 'all') {
    let pattern: TagPattern;
    try {
      pattern = compilePattern(selection.regex);
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
    throw new AppError(
      'NO_TAGS_MATCHED',
      `the pattern matches none of the ${tags.length} tags of ${source.registry}/${source.repository} (such as ` +
        `${examples.map((t) => `"${t}"`).join(', ')}); it is an unanchored search, as skopeo sync's`,
      {
        details: { tags: tags.length, examples },
      },
    );
  }
  const cap = deps.config.limits.tagsPerSync;
  if (selected.length > cap) {
    throw new AppError(
      'LIMIT_EXCEEDED',
      `${selected.length} tags match, more than limits.tagsPerSync (${cap}) allows in one sync`,
      { details: { limit: 'limits.tagsPerSync', value: cap } },
    );
  }
  return selected;
}

/**
 * Copies many tags (crane's CopyRepository): the tags listed once (or as the caller listed them already),
 * each copied as an image of its own; a tag the registry listed that is no tag is reported, not copied.
 */
export async function copyRepository(
  deps: Deps,
  spec: RepositoryCopySpec,
  reporter: CopyReporter,
  options: CopyOptions = {},
): Promise<ManyCopyResult> {
  const { source, target, platforms, unwrap, verify, referrers, noClobber } = spec;
  const { selectedTags, keepGoing, beforeTag: _oneImageOnly, blobsPlaced: _placedPerImage, ...perImage } = options;
  const results: CopyResult[] = [];
  const failed: FailedTag[] = [];
  // Caches as for one copy (KV allows 1,000 operations per invocation): the first tag reads and writes
  // them; later tags look first in the target repository, where the first tags put their shared blobs.
  let memory: BlobMemory | undefined;
  const listed = selectedTags ?? (await selectTags(deps, spec));
  // A tag from a registry is checked before it names anything: "../../x/manifests/y" would name another path.
  const skipped: { tag: string; reason: string }[] = [];
  const skip = (tag: string, reason: string) => {
    skipped.push({ tag, reason });
    reporter.emit({ type: 'tag-skipped', tag, reason });
  };
  for (const tag of listed.filter((t) => !isValidTag(t)))
    skip(tag, 'not a valid tag: the source registry listed it, Ferry did not copy it');
  for (const tag of listed.filter(isValidTag)) {
    options.signal?.throwIfAborted();
    const image = {
      kind: 'image' as const,
      source: { ...source, tag },
      target,
      tags: [tag],
      platforms,
      unwrap,
      verify,
      referrers,
      ...(noClobber ? { noClobber } : {}),
    };
    try {
      const result = await copySingle(deps, image, reporter, { ...perImage, ...(memory ? { memory } : {}) });
      results.push(await withReferrers(deps, image, result, reporter));
    } catch (error) {
      if (isAppError(error) && error.code === 'TAG_EXISTS') {
        skip(tag, 'the target has this tag (--no-clobber)');
        continue;
      }
      // A cancel stops the whole copy, as does a registry's hold its runner sleeps through (then runs it
      // again); any other failure is this tag's alone when the copy keeps going.
      if (!keepGoing || !isAppError(error) || options.signal?.aborted || heldUntil(error) !== undefined) throw error;
      failed.push({ tag, code: error.code, message: error.message });
      continue;
    }
    if (!memory) (memory = BlobMemory.none(target.registry)).assume(target.repository);
  }
  return { results, ...(skipped.length ? { skipped } : {}), ...(failed.length ? { failed } : {}) };
}
