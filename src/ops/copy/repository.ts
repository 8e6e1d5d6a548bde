// Copies many tags of a repository (`tags: "all"` or a pattern), as crane's CopyRepository and skopeo
// sync do: the tags listed once, each copied as an image of its own, sharing what is known of the blobs.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { compilePattern, PatternError, type TagPattern } from '../../patterns.js';
import { isValidTag, parseRepositoryName } from '../../reference.js';
import { registryClient } from '../registries/index.js';
import { BlobMemory } from './blob-memory.js';
import type { CopyReporter, CopyResult } from './events.js';
import { copySingle } from './image.js';
import type { CopyOptions, CopyRequest, ManyCopyResult } from './request.js';

const everyTag = () => true;

/** The source tags a many-tags copy takes, sorted: one tag list request, no manifest fetched. */
export async function selectTags(deps: Deps, request: CopyRequest): Promise<string[]> {
  const source = parseRepositoryName(request.source);
  let filter: (tag: string) => boolean = everyTag;
  if (typeof request.tags === 'object' && !Array.isArray(request.tags)) {
    let pattern: TagPattern;
    try {
      pattern = compilePattern(request.tags.regex);
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
      `the pattern matches none of the ${tags.length} tags of ${request.source} (such as ` +
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

export async function copyTags(
  deps: Deps,
  request: CopyRequest,
  reporter: CopyReporter,
  options: CopyOptions,
): Promise<ManyCopyResult> {
  const source = parseRepositoryName(request.source);
  const target = parseRepositoryName(request.target);
  const results: CopyResult[] = [];
  // Caches as for one copy (KV allows 1,000 operations per invocation): the first tag reads and writes
  // them; later tags look first in the target repository, where the first tags put their shared blobs.
  let memory: BlobMemory | undefined;
  const listed = options.selectedTags ?? (await selectTags(deps, request));
  // A tag from a registry is checked before it names anything: "../../x/manifests/y" would name another path.
  const skipped = listed
    .filter((t) => !isValidTag(t))
    .map((tag) => ({ tag, reason: 'not a valid tag: the source registry listed it, Ferry did not copy it' }));
  for (const tag of listed.filter(isValidTag)) {
    options.signal?.throwIfAborted();
    results.push(
      await copySingle(
        deps,
        {
          source: { ...source, tag },
          targetRepository: target,
          tags: [tag],
          platforms: request.platforms ?? 'all',
          unwrap: request.unwrap === true,
          verify: request.verify === true,
          ...(memory ? { memory } : {}),
          ...(options.admit ? { admit: options.admit } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.readable ? { readable: options.readable } : {}),
          ...(options.actor ? { actor: options.actor } : {}),
        },
        reporter,
      ),
    );
    if (!memory) (memory = BlobMemory.none(target.registry)).assume(target.repository);
  }
  return skipped.length ? { results, skipped } : { results };
}
