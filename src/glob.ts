// Globs over "registry/repository" for grants and promotion rules: `*` stays inside a path segment,
// `**` crosses segments; the registry part is normalised like references are (docker.io etc.).

import { normalizeRegistryHost } from './reference.js';

export function repositoryGlob(glob: string): RegExp {
  const slash = glob.indexOf('/');
  const normalized = `${normalizeRegistryHost(glob.slice(0, slash))}${glob.slice(slash)}`;
  const body = normalized
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${body}$`);
}
