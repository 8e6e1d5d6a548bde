// Which of a repository's tags a sync set takes: a regex search (as skopeo sync's), an exclude search, a
// version range, images created since a time, then the newest N (by version or by created time). Tags that
// hold referrers (cosign's `sha256-<hex>.sig` and the referrers tag fallback) are never taken as images: they
// travel with their subject.

import type { SyncTags } from '../../config/syncs.js';
import { compilePattern } from '../../patterns.js';
import { isValidTag } from '../../reference.js';
import { compareSemver, parseSemver, satisfies } from '../../semver.js';

const REFERRERS_TAG = /^sha(256|512)-[a-f0-9]{64,128}(\.(sig|att|sbom))?$/;

/** True for a tag that names referrers of a digest (cosign's, or the referrers API's tag fallback). */
export const isReferrersTag = (tag: string) => REFERRERS_TAG.test(tag);

/** Whether the selection reads images' created times (`since`, or the newest by `created`). */
export const readsCreated = (selection: SyncTags) =>
  selection.since !== undefined || selection.newest?.by === 'created';

/**
 * The tags `selection` takes of `tags`, in lexical order. `created` (epoch ms by tag) is what readsCreated
 * selections go by: a tag without a known created time is left out of them.
 */
export function selectSyncTags(
  tags: readonly string[],
  selection: SyncTags,
  created: ReadonlyMap<string, number> = new Map(),
): string[] {
  const found = selection.regex !== undefined ? compilePattern(selection.regex) : undefined;
  const excluded = selection.exclude !== undefined ? compilePattern(selection.exclude) : undefined;
  let taken = tags.filter(
    (tag) =>
      isValidTag(tag) &&
      !isReferrersTag(tag) &&
      (!found || found.found(tag)) &&
      !(excluded && excluded.found(tag)) &&
      (selection.semver === undefined || inRange(tag, selection.semver)),
  );
  if (selection.since !== undefined) {
    const since = Date.parse(selection.since);
    taken = taken.filter((tag) => (created.get(tag) ?? -Infinity) >= since);
  }
  if (selection.newest?.by === 'created') {
    const dated = taken.filter((tag) => created.has(tag));
    // Newest first; two images of one time in lexical order.
    dated.sort((a, b) => created.get(b)! - created.get(a)! || (a < b ? -1 : 1));
    taken = dated.slice(0, selection.newest.count);
  } else if (selection.newest) {
    const versions = taken.flatMap((tag) => {
      const version = parseSemver(tag);
      return version ? [{ tag, version }] : [];
    });
    // Newest first; two spellings of one version (v1.2.3 and 1.2.3) in lexical order.
    versions.sort((a, b) => compareSemver(b.version, a.version) || (a.tag < b.tag ? -1 : 1));
    taken = versions.slice(0, selection.newest.count).map((v) => v.tag);
  }
  return [...new Set(taken)].sort();
}

function inRange(tag: string, range: string): boolean {
  const version = parseSemver(tag);
  return version !== undefined && satisfies(version, range);
}

/** The selection's filters alone: what a tag is, not how it ranks or how old it is (a run decides those). */
export function filtersOf(selection: SyncTags): SyncTags {
  const { newest: _ranked, since: _dated, ...filters } = selection;
  return filters;
}
