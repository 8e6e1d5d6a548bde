// Sync sets: those of the configuration (read-only) and those admins write through the API (the state store:
// a run right after a change must see it, which KV does not promise).

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { ConfigProblems, parseNamedBody } from '../../config/problems.js';
import { buildSyncSet, SyncSetBodySchema, type SyncSet } from '../../config/syncs.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson, replaceState } from '../../state/store.js';
import type { Caller } from '../../config/callers.js';
import { authorOf } from '../../policy.js';

export interface StoredSyncSet extends SyncSet {
  /** "config": from the configuration, not changeable through the API. */
  origin: 'config' | 'api';
  /** Who wrote it through the API: a run no caller asked for runs only while the author may administer it. */
  author?: Caller;
}

const fromConfig = (deps: Deps, name: string) => deps.config.syncs.find((s) => s.name === name);

/** Every set, the configuration's first. */
export async function listSyncSets(deps: Deps): Promise<StoredSyncSet[]> {
  const stored: StoredSyncSet[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.state.list(stateKeys.syncSetsPrefix(), cursor ? { cursor } : {});
    for (const entry of page.entries) stored.push({ ...(JSON.parse(entry.value) as StoredSyncSet), origin: 'api' });
    cursor = page.cursor;
  } while (cursor);
  return [...deps.config.syncs.map((s) => ({ ...s, origin: 'config' as const })), ...stored];
}

/** The set of that name, or undefined. */
export async function findSyncSet(deps: Deps, name: string): Promise<StoredSyncSet | undefined> {
  const configured = fromConfig(deps, name);
  if (configured) return { ...configured, origin: 'config' };
  const stored = await getStateJson<StoredSyncSet>(deps.state, stateKeys.syncSet(name));
  return stored ? { ...stored.value, origin: 'api' } : undefined;
}

/** A set's body as `PUT /v1/syncs/<name>` sends it, checked by the configuration's own schema. */
export function parseSyncSetBody(name: string, body: unknown): SyncSet {
  const document = parseNamedBody(SyncSetBodySchema, body, name, 'set');
  const problems = new ConfigProblems(() => undefined);
  const set = buildSyncSet({ ...document, name }, 'set', problems);
  const first = problems.list[0];
  if (first) throw new AppError('INVALID_REQUEST', `${first.path}: ${first.message}`);
  return set;
}

/** Stores a set written through the API; the configuration's cannot be replaced. */
export async function putSyncSet(deps: Deps, set: SyncSet, author: Caller): Promise<void> {
  if (fromConfig(deps, set.name))
    throw new AppError('CONFLICT', `sync set "${set.name}" comes from the configuration and cannot be changed here`);
  await replaceState(deps.state, stateKeys.syncSet(set.name), JSON.stringify({ ...set, author: authorOf(author) }));
}

/** A set as a caller sees it: its author named, never the author's token claims. */
export function syncSetView(set: StoredSyncSet): Omit<StoredSyncSet, 'author'> & { author?: string } {
  const { author, ...rest } = set;
  return { ...rest, ...(author ? { author: author.id } : {}) };
}

export async function deleteSyncSet(deps: Deps, name: string): Promise<void> {
  if (fromConfig(deps, name))
    throw new AppError('CONFLICT', `sync set "${name}" comes from the configuration and cannot be deleted here`);
  await deps.state.delete(stateKeys.syncSet(name));
}
