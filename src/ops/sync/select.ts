// Which of a repository's tags a sync set takes: a regex search (as skopeo sync's), an exclude search, a
// version range, then the newest N versions of what is left. Tags that hold referrers (cosign's
// `sha256-<hex>.sig` and the referrers tag fallback) are never taken as images: they travel with their subject.

import type { SyncTags } from '../../config/syncs.js';
import { compilePattern } from '../../patterns.js';
import { isValidTag } from '../../reference.js';
import { compareSemver, parseSemver, satisfies } from '../../semver.js';

const REFERRERS_TAG = /^sha(256|512)-[a-f0-9]{64,128}(\.(sig|att|sbom))?$/;

/** True for a tag that names referrers of a digest (cosign's, or the referrers API's tag fallback). */
export const isReferrersTag = (tag: string) => REFERRERS_TAG.test(tag);

/** The tags `selection` takes of `tags`, in lexical order. */
export function selectSyncTags(tags: readonly string[], selection: SyncTags): string[] {
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
  if (selection.newest) {
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
