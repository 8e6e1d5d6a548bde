// A catalog prefix's repositories: the registry's catalog read from where the prefix starts (it is in
// lexical order) until it has passed it. Names a registry lists are checked before they name anything.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { parseRepositoryName } from '../../reference.js';
import { registryClient } from '../registries/index.js';

const PAGE = 100;
// Repositories one prefix may hold: a run plans each, so a set stays a bounded piece of work.
const MAX_REPOSITORIES = 1000;

/** The repositories of `registry` whose names start with `prefix` ("team/"), in lexical order. */
export async function repositoriesUnder(deps: Deps, registry: string, prefix: string): Promise<string[]> {
  const client = registryClient(deps, registry);
  const found: string[] = [];
  // "team" sorts right before every "team/…": the first page starts there.
  let last: string | undefined = prefix.slice(0, -1);
  while (last !== undefined) {
    const page: { repositories: string[]; next?: string } = await client.catalog({ n: PAGE, last });
    for (const name of page.repositories) {
      if (name.startsWith(prefix) && isRepositoryName(registry, name)) found.push(name);
      if (found.length > MAX_REPOSITORIES)
        throw new AppError('LIMIT_EXCEEDED', `more than ${MAX_REPOSITORIES} repositories under ${registry}/${prefix}`, {
          details: { limit: 'catalog prefix', value: MAX_REPOSITORIES },
        });
    }
    const passed = page.repositories.some((name) => name > prefix && !name.startsWith(prefix));
    last = passed ? undefined : page.next;
  }
  return found;
}

function isRepositoryName(registry: string, name: string): boolean {
  try {
    return parseRepositoryName(`${registry}/${name}`).repository === name;
  } catch {
    return false;
  }
}
