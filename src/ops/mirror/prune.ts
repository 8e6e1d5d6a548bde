// Deleting the tags a sync set wrote and selects no more, as `ferry delete` deletes a tag (the tags wing).

import type { Deps } from '../../deps.js';
import { isAppError } from '../../errors.js';
import { deleteTag } from '../tags/index.js';
import { splitRepository, type SyncStep } from './plan.js';
import { changeWritten } from './written.js';

/** Deletes `tag` (naming `digest`) from `target` ("registry/repository"); one gone already is done. */
async function pruneTag(deps: Deps, target: string, tag: string, digest: string): Promise<void> {
  const { registry, repository } = splitRepository(target);
  await deleteTag(deps, registry, repository, tag, digest);
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
