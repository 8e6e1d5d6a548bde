// Raw manifest and tag-list reads for the HTTP API.

import type { Deps } from '../../deps.js';
import { registryClient } from '../registries/index.js';
import { formatReference, normalizeRegistryHost, parseReference, parseRepositoryName } from '../../reference.js';
import { AppError } from '../../errors.js';
import { isIndexMediaType, platformMatches } from '../../registry/manifest.js';
import type { ImageReference } from '../../reference.js';
import type { RateLimit } from '../../registry/rate-limit.js';
import { checkIndexBounds } from '../copy/index.js';
import { manifestByDigest, resolveDigest, type ResolvedManifest } from '../resolve.js';

/** The image for `platform` in an index tree (a direct child first, then nested indexes, depth-bounded). */
async function platformImage(
  deps: Deps,
  ref: ImageReference,
  index: ResolvedManifest,
  platform: string,
  level = 1,
): Promise<ResolvedManifest | undefined> {
  checkIndexBounds(deps.config.limits, index.parsed.manifests.length, level);
  const direct = index.parsed.manifests.find(
    (m) => !isIndexMediaType(m.mediaType) && platformMatches(platform, m.platform),
  );
  if (direct) return manifestByDigest(deps, ref.registry, ref.repository, direct.digest);
  for (const child of index.parsed.manifests.filter((m) => isIndexMediaType(m.mediaType))) {
    const found = await platformImage(
      deps,
      ref,
      await manifestByDigest(deps, ref.registry, ref.repository, child.digest),
      platform,
      level + 1,
    );
    if (found) return found;
  }
  return undefined;
}

/** The raw manifest a reference names; with `platform`, that platform's image out of an index. */
export async function readManifest(
  deps: Deps,
  input: string,
  options: { platform?: string } = {},
): Promise<{ bytes: Uint8Array; mediaType: string; digest: string; reference: string; rateLimit?: RateLimit }> {
  const ref = parseReference(input);
  registryClient(deps, ref.registry);
  const { digest, fetched } = await resolveDigest(deps, ref);
  let manifest: ResolvedManifest = fetched ?? (await manifestByDigest(deps, ref.registry, ref.repository, digest));
  if (options.platform !== undefined && manifest.parsed.kind === 'index') {
    const image = await platformImage(deps, ref, manifest, options.platform);
    if (!image)
      throw new AppError(
        'PLATFORM_NOT_FOUND',
        `${formatReference({ ...ref, digest })} has no ${options.platform} image`,
      );
    manifest = image;
  }
  return {
    bytes: manifest.bytes,
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    reference: formatReference({ ...ref, digest: manifest.digest }),
    // The pull quota the registry announced, when this read asked it (Docker Hub's).
    ...(fetched?.rateLimit ? { rateLimit: fetched.rateLimit } : {}),
  };
}

export async function listTags(
  deps: Deps,
  input: string,
  options: { n?: number; last?: string },
): Promise<{ name: string; tags: string[]; next?: string }> {
  const name = parseRepositoryName(input);
  const page = await registryClient(deps, name.registry).listTags(name.repository, options);
  return { name: `${name.registry}/${name.repository}`, ...page };
}

// Registry pages one catalog page may read to fill itself with names the caller sees.
const MAX_CATALOG_PAGES = 5;

/**
 * One page of a registry's catalog, only the repositories `visible` lets the caller see. The page is
 * filled from further registry pages (a few at most) when names were left out, and its cursor is the
 * last name shown: another team's repository names are theirs, the cursor included.
 */
export async function listRepositories(
  deps: Deps,
  host: string,
  options: { n: number; last?: string },
  visible: (repository: string) => boolean,
): Promise<{ registry: string; repositories: string[]; next?: string }> {
  const registry = normalizeRegistryHost(host.toLowerCase());
  const client = registryClient(deps, registry);
  const shown: string[] = [];
  let last = options.last;
  let more = false;
  for (let pages = 0; pages < MAX_CATALOG_PAGES && shown.length < options.n; pages++) {
    const page = await client.catalog({ n: options.n, ...(last !== undefined ? { last } : {}) });
    // A name that is not a repository name (a hostile registry's "../x") is not one to link to either.
    shown.push(...page.repositories.filter((r) => isRepositoryPath(registry, r) && visible(`${registry}/${r}`)));
    more = page.next !== undefined;
    if (!more) break;
    last = page.next;
  }
  const repositories = shown.slice(0, options.n);
  const next = (more || shown.length > options.n) && repositories.length ? repositories.at(-1) : undefined;
  return { registry, repositories, ...(next !== undefined ? { next } : {}) };
}

function isRepositoryPath(registry: string, path: string): boolean {
  try {
    const name = parseRepositoryName(`${registry}/${path}`);
    return name.registry === registry && name.repository === path;
  } catch {
    return false;
  }
}
