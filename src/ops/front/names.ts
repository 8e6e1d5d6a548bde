// Front names: `/v2/<alias>/<repository>` serves the upstream repository its alias names. Nothing that
// no alias names is reachable through the front.

import type { FerryConfig } from '../../config/parse.js';
import { AppError } from '../../errors.js';
import { parseRepositoryName, type RepositoryName } from '../../reference.js';

/** A front name and the upstream repository it serves. */
export interface FrontName extends RepositoryName {
  /** As the client spelled it: `<alias>/<repository>`. */
  front: string;
}

/** The registry spec's code for a name the front does not serve. */
export const NAME_UNKNOWN = 'NAME_UNKNOWN';

function unknownName(name: string, why: string): AppError {
  return new AppError('NOT_FOUND', `repository name not known to registry: ${name}: ${why}`, {
    details: { registryCode: NAME_UNKNOWN },
  });
}

/** The upstream repository a front name serves; NAME_UNKNOWN when no alias serves it. */
export function frontName(config: FerryConfig, name: string): FrontName {
  const slash = name.indexOf('/');
  const alias = config.front.aliases.get(slash === -1 ? name : name.slice(0, slash));
  if (!alias || slash === -1) throw unknownName(name, 'expected <alias>/<repository> with a configured alias');
  const rest = name.slice(slash + 1);
  let upstream: RepositoryName;
  try {
    upstream = parseRepositoryName(`${alias.registry}/${alias.prefix ? `${alias.prefix}/` : ''}${rest}`);
  } catch (error) {
    throw unknownName(name, error instanceof Error ? error.message : 'not a repository name');
  }
  return { front: name, ...upstream };
}
