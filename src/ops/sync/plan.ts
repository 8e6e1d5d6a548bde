// What a run of a set covers: its source repositories (a catalog prefix read at each run), each with the
// target its path template names. A run gives each a job, which plans and mirrors it (src/ops/mirror); a dry
// run plans them all here and answers with the plan: copy, skip or prune per tag.

import type { Deps } from '../../deps.js';
import { AppError, isAppError } from '../../errors.js';
import { targetRepository, type SyncSet } from '../../config/syncs.js';
import { runPool } from '../../pool.js';
import { planRepository, type RepositoryPlan, type SyncAction } from '../mirror/index.js';
import { registryClient } from '../registries/index.js';
import { repositoriesUnder } from './catalog.js';

export interface SyncPlan {
  set: string;
  repositories: RepositoryPlan[];
  counts: Record<SyncAction, number> & { failed: number };
}

/** A source repository of a run and where it goes, each "registry/repository". */
export interface SyncPair {
  source: string;
  target: string;
}

// Repositories planned at once in a dry run.
const REPOSITORIES_AT_ONCE = 4;

/** The repositories a run of `set` covers; `only` ("registry/repository" of a source): that one alone. */
export async function syncPairs(deps: Deps, set: SyncSet, only?: string): Promise<SyncPair[]> {
  const named = await Promise.all(
    set.sources.map(async (s) => {
      const repositories =
        s.prefix !== undefined ? await repositoriesUnder(deps, s.registry, s.prefix) : s.repositories;
      return repositories.map((repository) => ({
        source: `${s.registry}/${repository}`,
        target: `${set.target.registry}/${targetRepository(set.target.path, s.registry, repository)}`,
      }));
    }),
  );
  const pairs = named.flat();
  const chosen = only === undefined ? pairs : pairs.filter((p) => p.source === only);
  if (only !== undefined && !chosen.length)
    throw new AppError('NOT_FOUND', `sync set "${set.name}" has no source repository ${only}`);
  return chosen;
}

/**
 * Learns each registry's auth once, ahead of requests that go out many at once (each would ask on its own).
 * A registry that does not answer is reported by the requests that need it.
 */
export async function learnRegistries(deps: Deps, set: SyncSet, pairs: SyncPair[]): Promise<void> {
  const registries = new Set([set.target.registry, ...pairs.map((p) => p.source.slice(0, p.source.indexOf('/')))]);
  await Promise.all(
    [...registries].map((r) =>
      registryClient(deps, r)
        .transport.ping()
        .catch(() => undefined),
    ),
  );
}

/** The plan of a run of `set` (a dry run), made here for every repository; `only` as for syncPairs. */
export async function planSync(deps: Deps, set: SyncSet, only?: string): Promise<SyncPlan> {
  const pairs = await syncPairs(deps, set, only);
  await learnRegistries(deps, set, pairs);
  const repositories = new Array<RepositoryPlan>(pairs.length);
  await runPool([...pairs.keys()], REPOSITORIES_AT_ONCE, async (i) => {
    const { source, target } = pairs[i]!;
    try {
      repositories[i] = { source, target, steps: await planRepository(deps, set, source, target) };
    } catch (error) {
      if (!isAppError(error)) throw error;
      repositories[i] = { source, target, steps: [], error: { code: error.code, message: error.message } };
    }
  });
  const counts = { copy: 0, skip: 0, prune: 0, failed: 0 };
  for (const r of repositories) {
    if (r.error) counts.failed++;
    for (const step of r.steps) counts[step.action]++;
  }
  return { set: set.name, repositories, counts };
}
