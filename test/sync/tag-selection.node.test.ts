// A sync set's tag selection (src/ops/sync/select.ts) against the same selection worked out here another way:
// JavaScript's own regexes (for patterns where RE2 and it agree) and versions compared as number triples.

import { expect, it } from 'vitest';
import { selectSyncTags } from '../../src/ops/sync/index.js';

// 40 tags as registries hold them: releases with and without "v", release candidates, floating tags,
// cosign's signature tags and the referrers tag fallback, which travel with their subject, never as images.
const TAGS = [
  ...[0, 1, 2].flatMap((major) => [0, 1, 2, 3].flatMap((minor) => [`${major}.${minor}.0`, `${major}.${minor}.1`])),
  'v3.0.0',
  'v3.1.0',
  '3.1.0-rc.1',
  '3.2.0-beta',
  'latest',
  'stable',
  'dev-abc123',
  '2.3',
  `sha256-${'a'.repeat(64)}.sig`,
  `sha256-${'b'.repeat(64)}`,
  `sha256-${'c'.repeat(64)}.att`,
  '1.0.0-alpine',
  '1.0.1-alpine',
  'v1.x',
  'nightly-2026-12-01',
];

const triple = (tag: string) => /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag)?.slice(1).map(Number) as number[] | undefined;
const newer = (a: number[], b: number[]) => b[0]! - a[0]! || b[1]! - a[1]! || b[2]! - a[2]!;

it('takes a regex search, less an exclude search, in a version range, then the newest N', () => {
  const selection = { regex: '^v?[0-9]', exclude: '-(rc|beta|alpine)', semver: '>=1.1.0 <3.1.0', newest: { count: 5 } };
  const expected = TAGS.filter((t) => /^v?[0-9]/.test(t) && !/-(rc|beta|alpine)/.test(t))
    .map((t) => ({ t, v: triple(t) }))
    .filter((x): x is { t: string; v: number[] } => !!x.v)
    .filter(({ v }) => newer(v, [1, 1, 0]) <= 0 && newer(v, [3, 1, 0]) > 0)
    .sort((a, b) => newer(a.v, b.v))
    .slice(0, 5)
    .map((x) => x.t)
    .sort();
  expect(expected).toEqual(['2.2.0', '2.2.1', '2.3.0', '2.3.1', 'v3.0.0']);
  expect(selectSyncTags(TAGS, selection)).toEqual(expected);
});

it('takes every tag a search finds, in lexical order, never a referrers tag', () => {
  const all = selectSyncTags(TAGS, {});
  expect(all).toEqual(TAGS.filter((t) => !t.startsWith('sha256-')).sort());
  expect(selectSyncTags(TAGS, { regex: 'alpine' })).toEqual(['1.0.0-alpine', '1.0.1-alpine']);
  expect(selectSyncTags(TAGS, { regex: '.', exclude: '^[0-9v]' })).toEqual([
    'dev-abc123',
    'latest',
    'nightly-2026-12-01',
    'stable',
  ]);
});

it('reads a prerelease into a range only where the range names one, as npm does', () => {
  expect(selectSyncTags(TAGS, { semver: '^3.0.0' })).toEqual(['v3.0.0', 'v3.1.0']);
  expect(selectSyncTags(TAGS, { semver: '>=3.1.0-rc.0 <3.2.0' })).toEqual(['3.1.0-rc.1', 'v3.1.0']);
});

it('counts only versions in the newest N: tags that are no version are left out', () => {
  expect(selectSyncTags(['latest', 'stable', '1.0.0', '0.9.0'], { newest: { count: 3 } })).toEqual(['0.9.0', '1.0.0']);
});

it('takes images created since a time, and the newest N by created time; a tag of no known time drops out', () => {
  const created = new Map([
    ['a', Date.parse('2026-01-01T00:00:00Z')],
    ['b', Date.parse('2026-03-01T00:00:00Z')],
    ['c', Date.parse('2026-02-01T00:00:00Z')],
    ['d', Date.parse('2025-12-31T23:59:59Z')],
  ]);
  const tags = ['a', 'b', 'c', 'd', 'e'];
  expect(selectSyncTags(tags, { since: '2026-01-01' }, created)).toEqual(['a', 'b', 'c']);
  expect(selectSyncTags(tags, { newest: { count: 2, by: 'created' } }, created)).toEqual(['b', 'c']);
  expect(selectSyncTags(tags, { since: '2026-02-01T00:00:00Z', newest: { count: 5, by: 'created' } }, created)).toEqual(
    ['b', 'c'],
  );
});
