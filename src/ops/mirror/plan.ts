// One repository mirrored by a sync set: which selected tags to copy, which are up to date (skipped), and which
// tags the set wrote that it selects no more (pruned, where the set says so). A sync run's job makes it for its
// repository; a dry run makes it for each. An unchanged tag costs one manifest request at each side and, where
// referrers travel, one referrers request; no blob is read.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import type { SyncSet } from '../../config/syncs.js';
import { runPool } from '../../pool.js';
import type { RegistryClient } from '../../registry/client.js';
import { listReferrers, referrersTag } from '../referrers.js';
import { registryClient } from '../registries/index.js';
import { createdTimes } from './created.js';
import { filtersOf, readsCreated, selectSyncTags } from './select.js';
import { readWritten, type WrittenTag, type WrittenTags } from './written.js';

export type SyncAction = 'copy' | 'skip' | 'prune';

export interface SyncStep {
  tag: string;
  action: SyncAction;
  /** The source's digest (copy, skip), or what the target tag names (prune). */
  digest?: string;
  reason: string;
  /** A tag the set wrote and selects no more (pruned, or left where it changed at the target). */
  unselected?: true;
  /** A copy of an image the target holds already under this tag: only its referrers changed. */
  imageThere?: true;
}

export interface RepositoryPlan {
  /** "registry/repository" */
  source: string;
  target: string;
  steps: SyncStep[];
  /** The repository could not be planned (its tags unreadable, too many selected): the others go on. */
  error?: { code: string; message: string };
}

/** What mirroring one repository takes of its set (a sync run's job carries it). */
export type MirrorSettings = Pick<SyncSet, 'name' | 'tags' | 'platforms' | 'referrers' | 'prune'>;

/** What a set's mirror of one repository carries, from the set. */
export const mirrorSettings = (set: SyncSet): MirrorSettings => ({
  name: set.name,
  tags: set.tags,
  platforms: set.platforms,
  referrers: set.referrers,
  prune: set.prune,
});

// Tags of one repository asked about at once.
const TAGS_AT_ONCE = 8;

/** Splits "registry/repository" at its first slash. */
export function splitRepository(name: string): { registry: string; repository: string } {
  const cut = name.indexOf('/');
  return { registry: name.slice(0, cut), repository: name.slice(cut + 1) };
}

/** The steps of mirroring `sourceName` into `targetName` (each "registry/repository") as `set` says. */
export async function planRepository(deps: Deps, set: MirrorSettings, sourceName: string, targetName: string) {
  const source = splitRepository(sourceName);
  const target = splitRepository(targetName);
  const from = registryClient(deps, source.registry);
  const to = registryClient(deps, target.registry);
  const { tags } = await from.listTags(source.repository);
  const selected = readsCreated(set.tags)
    ? selectSyncTags(tags, set.tags, await createdTimes(deps, sourceName, selectSyncTags(tags, filtersOf(set.tags))))
    : selectSyncTags(tags, set.tags);
  const cap = deps.config.limits.tagsPerSync;
  if (selected.length > cap)
    throw new AppError('LIMIT_EXCEEDED', `${selected.length} tags selected, more than limits.tagsPerSync (${cap})`, {
      details: { limit: 'limits.tagsPerSync', value: cap },
    });
  const written = await readWritten(deps, set.name, targetName);
  const listed = new Set(tags);
  const steps = new Array<SyncStep>(selected.length);
  await runPool([...selected.keys()], TAGS_AT_ONCE, async (i) => {
    const tag = selected[i]!;
    const [now, there] = await Promise.all([
      from.headManifest(source.repository, tag, { primary: true }),
      to.headManifest(target.repository, tag, { primary: true }),
    ]);
    if (!now) return void (steps[i] = { tag, action: 'skip', reason: 'gone from the source since it was listed' });
    const record = written[tag];
    const same =
      set.platforms === 'all'
        ? there?.digest === now.digest
        : record?.source === now.digest && there?.digest === record.target;
    const step = (action: SyncAction, reason: string) => ({ tag, action, digest: now.digest, reason });
    if (!same) return void (steps[i] = step('copy', there ? 'the target names another digest' : 'not at the target'));
    if (set.referrers && set.platforms === 'all') {
      const referrers = await referrersNow(from, source.repository, now.digest, listed, set.referrers);
      if (!referrers.every((d) => record?.referrers?.includes(d)))
        return void (steps[i] = { ...step('copy', 'its referrers changed'), imageThere: true });
    }
    steps[i] = step('skip', 'up to date');
  });
  if (set.prune) steps.push(...(await pruneSteps(to, target.repository, written, new Set(selected))));
  return steps;
}

/**
 * The digests that refer to `digest` at the source now: the referrers list (the API or the tag fallback) and
 * cosign's tags, found in the tag list already read. Deeper referrers (the signature of an SBOM) are looked
 * at when these change.
 */
async function referrersNow(
  client: RegistryClient,
  repository: string,
  digest: string,
  listed: ReadonlySet<string>,
  selection: { artifactTypes?: string[] },
): Promise<string[]> {
  const wanted = (type: string | undefined) =>
    !selection.artifactTypes || (type !== undefined && selection.artifactTypes.includes(type));
  const found = (await listReferrers(client, repository, digest))
    .filter((d) => wanted(d.artifactType))
    .map((d) => d.digest);
  for (const suffix of ['.sig', '.att', '.sbom']) {
    const tag = `${referrersTag(digest)}${suffix}`;
    if (!listed.has(tag)) continue;
    const head = await client.headManifest(repository, tag, { primary: true });
    if (head) found.push(head.digest);
  }
  return found;
}

/** The tags the set wrote and selects no more: pruned where they still name what the set wrote. */
async function pruneSteps(
  to: RegistryClient,
  repository: string,
  written: WrittenTags,
  selected: ReadonlySet<string>,
): Promise<SyncStep[]> {
  const dropped = Object.entries(written).filter(([tag]) => !selected.has(tag));
  const steps = new Array<SyncStep>(dropped.length);
  await runPool([...dropped.keys()], TAGS_AT_ONCE, async (i) => {
    const [tag, record] = dropped[i] as [string, WrittenTag];
    const there = await to.headManifest(repository, tag, { primary: true });
    steps[i] = !there
      ? { tag, action: 'skip', reason: 'selected no more, and gone from the target already', unselected: true }
      : there.digest !== record.target
        ? {
            tag,
            action: 'skip',
            digest: there.digest,
            reason: 'selected no more, but changed at the target since',
            unselected: true,
          }
        : { tag, action: 'prune', digest: there.digest, reason: 'selected no more', unselected: true };
  });
  return steps;
}
