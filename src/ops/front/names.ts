// Front names: what a `/v2/` name serves. `<alias>/<repository>` serves the upstream its alias names;
// with containerd's `?ns=<host>`, the repository is that mirrored host's; a name under no alias is the
// root alias's, where one is configured. Nothing that none of these names is reachable through the front.

import type { FerryConfig } from '../../config/parse.js';
import type { FrontAlias } from '../../config/front.js';
import { AppError } from '../../errors.js';
import { parseRepositoryName, type RepositoryName } from '../../reference.js';

/** A front name and the upstream repository it serves. */
export interface FrontName extends RepositoryName {
  /** As the client spelled it (without `?ns=`). */
  front: string;
  /** Where what is pulled is kept (an alias's `cacheInto`). */
  cache?: RepositoryName;
  /** Blob redirects to storage are passed on (an alias's `passBlobRedirects`). */
  passBlobRedirects?: boolean;
}

/** The registry spec's code for a name the front does not serve. */
export const NAME_UNKNOWN = 'NAME_UNKNOWN';

function unknownName(name: string, why: string): AppError {
  return new AppError('NOT_FOUND', `repository name not known to registry: ${name}: ${why}`, {
    details: { registryCode: NAME_UNKNOWN },
  });
}

const join = (at: { registry: string; prefix?: string }, rest: string) =>
  parseRepositoryName(`${at.registry}/${at.prefix ? `${at.prefix}/` : ''}${rest}`);

function under(name: string, alias: FrontAlias, rest: string): FrontName {
  try {
    const upstream = join(alias, rest);
    return {
      front: name,
      ...upstream,
      ...(alias.cacheInto ? { cache: join(alias.cacheInto, rest) } : {}),
      ...(alias.passBlobRedirects ? { passBlobRedirects: true } : {}),
    };
  } catch (error) {
    throw unknownName(name, error instanceof Error ? error.message : 'not a repository name');
  }
}

/** The upstream repository a front name serves (`ns`: containerd's mirrored host); NAME_UNKNOWN when none. */
export function frontName(config: FerryConfig, name: string, ns?: string): FrontName {
  const { aliases, namespaces, root } = config.front;
  if (ns !== undefined) {
    const mirrored = namespaces.get(ns.toLowerCase());
    if (!mirrored) throw unknownName(name, `${ns} is not a registry this front mirrors (front.namespaces)`);
    return under(name, mirrored, name);
  }
  const slash = name.indexOf('/');
  const alias = slash === -1 ? undefined : aliases.get(name.slice(0, slash));
  if (alias) return under(name, alias, name.slice(slash + 1));
  if (root) return under(name, root, name);
  throw unknownName(name, 'expected <alias>/<repository> with a configured alias');
}

/** Every upstream "registry/repository" a name may serve: by its alias (or the root), and under each `?ns=`. */
export function frontNameUpstreams(config: FerryConfig, name: string): string[] {
  const found: string[] = [];
  for (const ns of [undefined, ...config.front.namespaces.keys()]) {
    try {
      const served = frontName(config, name, ns);
      found.push(`${served.registry}/${served.repository}`);
    } catch {
      // not served that way
    }
  }
  return [...new Set(found)];
}
