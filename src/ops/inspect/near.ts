// What to say when a reference names nothing: the repository's tag nearest the one typed ("did you mean
// v1?"), from the first page of its tags. The console puts it beside the form it keeps.

import type { Deps } from '../../deps.js';
import { didYouMean } from '../../config/problems.js';
import { isAppError } from '../../errors.js';
import { parseReference } from '../../reference.js';
import { listTags } from './read.js';

const TAGS_LOOKED_AT = 1000;

/** The tag of `reference`'s repository nearest its own, when its own is not there; undefined otherwise. */
export async function nearTag(deps: Deps, reference: string): Promise<string | undefined> {
  let tag: string | undefined;
  let repository: string;
  try {
    const ref = parseReference(reference);
    if (ref.digest || !ref.tag) return undefined;
    tag = ref.tag;
    repository = `${ref.registry}/${ref.repository}`;
  } catch {
    return undefined;
  }
  try {
    const { tags } = await listTags(deps, repository, { n: TAGS_LOOKED_AT });
    return tags.includes(tag) ? undefined : didYouMean(tag, tags);
  } catch (error) {
    if (isAppError(error)) return undefined; // no hint is better than a second error
    throw error;
  }
}
