// Backup tags of tags a mutable rule moves: named with when they were made, so the newest are kept by count
// and age (the rule's `backups`), and the rest deleted as `ferry delete` deletes a tag. A backup whose digest
// other tags name, on a registry that deletes by digest only, stays: the outcome says why.

import type { Deps } from '../../deps.js';
import { DEFAULT_BACKUPS_KEPT, type BackupRetention } from '../../config/rules.js';
import { isAppError } from '../../errors.js';
import { parseRepositoryName } from '../../reference.js';
import { registryClient } from '../registries/index.js';
import { deleteTag } from '../tags/index.js';

export interface BackupOutcome {
  created: string[];
  removed: string[];
  /** Backups past the retention that could not be deleted, and why. */
  kept?: { tag: string; reason: string }[];
}

const TAG_MAX = 128;
const STAMP = 17; // YYYYMMDDhhmmssSSS
const DAY_MS = 86_400_000;

/** "<tag>-backup-<UTC time to the millisecond>-<12 hex of the old digest>", the tag shortened to fit 128. */
export function backupTagName(tag: string, digest: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:T.Z]/g, '');
  const suffix = `-backup-${stamp}-${digest.slice(7, 19)}`;
  return `${tag.slice(0, TAG_MAX - suffix.length)}${suffix}`;
}

/** The time a backup tag of `tag` was made, or undefined for any other tag. */
function madeAt(candidate: string, tag: string): number | undefined {
  const prefix = `${tag.slice(0, TAG_MAX - (8 + STAMP + 13))}-backup-`;
  if (!candidate.startsWith(prefix)) return undefined;
  const found = /^(\d{17})-[0-9a-f]{12}$/.exec(candidate.slice(prefix.length))?.[1];
  if (!found) return undefined;
  const [y, mo, d, h, mi, s, ms] = [0, 4, 6, 8, 10, 12, 14].map((at, i, all) =>
    Number(found.slice(at, all[i + 1] ?? STAMP)),
  ) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/**
 * Deletes the backups of `target:tag` past the retention: beyond the newest `keep`, or older than maxAgeDays.
 * The backup this promotion just made (`fresh`) always stays.
 */
export async function applyBackupRetention(
  deps: Deps,
  target: string,
  tag: string,
  fresh: string,
  retention: BackupRetention = { keep: DEFAULT_BACKUPS_KEPT },
): Promise<Pick<BackupOutcome, 'removed' | 'kept'>> {
  const { registry, repository } = parseRepositoryName(target);
  const client = registryClient(deps, registry);
  const now = deps.now();
  const backups = (await client.listTags(repository)).tags
    .map((t) => ({ tag: t, at: madeAt(t, tag) }))
    .filter((b): b is { tag: string; at: number } => b.at !== undefined)
    .sort((a, b) => b.at - a.at);
  const tooOld = (at: number) => retention.maxAgeDays !== undefined && now - at > retention.maxAgeDays * DAY_MS;
  const expired = backups.filter((b, i) => b.tag !== fresh && (i >= retention.keep || tooOld(b.at)));
  const removed: string[] = [];
  const kept: { tag: string; reason: string }[] = [];
  for (const backup of expired) {
    const digest = (await client.headManifest(repository, backup.tag, { primary: true }))?.digest;
    if (!digest) continue;
    try {
      await deleteTag(deps, registry, repository, backup.tag, digest);
      removed.push(backup.tag);
    } catch (error) {
      if (!isAppError(error)) throw error;
      kept.push({ tag: backup.tag, reason: `${error.code}: ${error.message}` });
    }
  }
  return { removed: removed.sort(), ...(kept.length ? { kept } : {}) };
}
