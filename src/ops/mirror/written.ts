// What a sync set wrote in a target repository: each tag, the source digest it came from, the digest it
// names at the target and the referrers that travelled with it. A run skips what is unchanged by it, and
// prune deletes only tags recorded here that still name what the set wrote.

import type { Deps } from '../../deps.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson } from '../../state/store.js';

export interface WrittenTag {
  /** The source's digest when the set copied it. */
  source: string;
  /** What the tag named at the target after the copy (the source's own, unless a platform subset). */
  target: string;
  /** The referrers copied along, at every depth. */
  referrers?: string[];
}

export type WrittenTags = Record<string, WrittenTag>;

/** The tags the set wrote in `target` ("registry/repository"). */
export async function readWritten(deps: Deps, set: string, target: string): Promise<WrittenTags> {
  return (await getStateJson<WrittenTags>(deps.state, stateKeys.syncWritten(set, target)))?.value ?? {};
}

/** Changes the record by compare-and-set: `change` edits a copy of what is stored. */
export async function changeWritten(
  deps: Deps,
  set: string,
  target: string,
  change: (tags: WrittenTags) => void,
): Promise<void> {
  const key = stateKeys.syncWritten(set, target);
  for (;;) {
    const held = await getStateJson<WrittenTags>(deps.state, key);
    const tags: WrittenTags = { ...held?.value };
    change(tags);
    const value = JSON.stringify(tags);
    if (held ? await deps.state.update(key, held.version, value) : await deps.state.create(key, value)) return;
  }
}
