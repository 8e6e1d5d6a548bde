// Deleting a tag a sync set wrote and selects no more. By name where the registry deletes tags; where it
// deletes by digest only (distribution 2.8), by digest when no other tag of the repository names it, since
// deleting the manifest untags every tag that names it.

import type { Deps } from '../../deps.js';
import { AppError, isAppError } from '../../errors.js';
import { runPool } from '../../pool.js';
import { deleteManifest } from '../../registry/delete.js';
import { registryClient } from '../registries/index.js';
import { splitRepository, type SyncStep } from './plan.js';
import { changeWritten } from './written.js';

// Tags of the repository asked about at once, looking for another name of the digest.
const TAGS_AT_ONCE = 8;

/** Deletes `tag` (naming `digest`) from `target` ("registry/repository"). */
export async function pruneTag(deps: Deps, target: string, tag: string, digest: string): Promise<void> {
  const { registry, repository } = splitRepository(target);
  const client = registryClient(deps, registry);
  const byName = await deleteManifest(client, repository, tag);
  if (byName !== 'unsupported') return;
  const { tags } = await client.listTags(repository);
  const others: string[] = [];
  await runPool(
    tags.filter((t) => t !== tag),
    TAGS_AT_ONCE,
    async (other) => {
      if ((await client.headManifest(repository, other, { primary: true }))?.digest === digest) others.push(other);
    },
  );
  if (others.length)
    throw new AppError(
      'CONFLICT',
      `${target} deletes no tag by name, and deleting ${digest} would untag ${others.slice(0, 3).join(', ')} too: ` +
        `${tag} is left`,
      { details: { tag, digest, sharedWith: others.slice(0, 10) } },
    );
  if ((await deleteManifest(client, repository, digest)) === 'unsupported')
    throw new AppError('NOT_SUPPORTED', `${target} deletes no manifest (its delete API is off): ${tag} is left`);
}

/** A tag a mirror could not copy or prune, or a repository it could not plan. */
export interface MirrorError {
  tag?: string;
  code: string;
  message: string;
}

/**
 * Deletes at `target` the tags the plan prunes, and forgets in the set's record every tag it selects no more
 * (pruned, gone already, or changed there by someone else). A prune that fails is reported; the rest go on.
 */
export async function applyPrunes(
  deps: Deps,
  set: string,
  target: string,
  steps: SyncStep[],
): Promise<{ pruned: string[]; errors: MirrorError[] }> {
  const pruned: string[] = [];
  const errors: MirrorError[] = [];
  const dropped = steps.filter((s) => s.unselected);
  if (!dropped.length) return { pruned, errors };
  const forgotten: string[] = [];
  for (const step of dropped) {
    if (step.action !== 'prune') {
      forgotten.push(step.tag);
      continue;
    }
    try {
      await pruneTag(deps, target, step.tag, step.digest!);
      pruned.push(step.tag);
      forgotten.push(step.tag);
    } catch (error) {
      if (!isAppError(error)) throw error;
      errors.push({ tag: step.tag, code: error.code, message: error.message });
    }
  }
  await changeWritten(deps, set, target, (tags) => {
    for (const tag of forgotten) delete tags[tag];
  });
  return { pruned, errors };
}
