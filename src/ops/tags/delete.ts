// Deleting a tag or a manifest with the registry's own delete API. The distribution spec deletes a tag by
// name where the registry allows it; distribution 2.8 deletes by digest only, which untags every tag naming
// that digest: a tag is then deleted by its digest only when no other tag of the repository names it.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { runPool } from '../../pool.js';
import { deleteManifest } from '../../registry/delete.js';
import { isValidTag, type ImageReference } from '../../reference.js';
import { registryClient } from '../registries/index.js';
import { forgetTag } from '../resolve.js';

// Tags of the repository asked about at once, looking for another name of the digest.
const TAGS_AT_ONCE = 8;

export interface Deleted {
  /** What was deleted, as named: "registry/repository:tag" or "…@digest". */
  reference: string;
  digest: string;
}

const noDeletes = (registry: string, left: string) =>
  new AppError(
    'DELETE_UNSUPPORTED',
    `${registry} does not allow deletes (distribution: storage.delete.enabled is off): ${left} is left`,
  );

/**
 * Deletes `tag` of `registry/repository`, which names `digest`: by name, or else by digest where no other tag
 * names it. 'gone': the tag was not there.
 */
export async function deleteTag(
  deps: Deps,
  registry: string,
  repository: string,
  tag: string,
  digest: string,
): Promise<'deleted' | 'gone'> {
  const client = registryClient(deps, registry);
  forgetTag(deps, registry, repository, tag);
  const byName = await deleteManifest(client, repository, tag);
  if (byName !== 'unsupported') return byName;
  const { tags } = await client.listTags(repository);
  const others: string[] = [];
  // A listed name no tag can be is not asked about: no client can pull by it, so it keeps nothing alive.
  await runPool(
    tags.filter((t) => t !== tag && isValidTag(t)),
    TAGS_AT_ONCE,
    async (other) => {
      if ((await client.headManifest(repository, other, { primary: true }))?.digest === digest) others.push(other);
    },
  );
  others.sort();
  const target = `${registry}/${repository}`;
  if (others.length)
    throw new AppError(
      'DELETE_WOULD_REMOVE_TAGS',
      `${target} deletes no tag by name, only a digest with every tag on it, and ${digest} is also named ` +
        `${others.slice(0, 5).join(', ')}${others.length > 5 ? ` and ${others.length - 5} more` : ''}: ${tag} is left`,
      { details: { tag, digest, sharedWith: others.slice(0, 10) } },
    );
  const byDigest = await deleteManifest(client, repository, digest);
  if (byDigest === 'unsupported') throw noDeletes(registry, `${target}:${tag}`);
  return byDigest;
}

/** Deletes what `reference` names: a tag (see deleteTag), or by digest the manifest with every tag on it. */
export async function deleteImage(deps: Deps, reference: ImageReference): Promise<Deleted> {
  const { registry, repository } = reference;
  const client = registryClient(deps, registry);
  const named = reference.digest
    ? `${registry}/${repository}@${reference.digest}`
    : `${registry}/${repository}:${reference.tag ?? 'latest'}`;
  const digest = reference.digest ?? (await client.headManifest(repository, reference.tag!, { primary: true }))?.digest;
  if (!digest) throw new AppError('NOT_FOUND', `${named} is not there`);
  const outcome = reference.digest
    ? await deleteManifest(client, repository, digest)
    : await deleteTag(deps, registry, repository, reference.tag!, digest);
  if (outcome === 'unsupported') throw noDeletes(registry, named);
  if (outcome === 'gone') throw new AppError('NOT_FOUND', `${named} is not there`);
  return { reference: named, digest };
}
