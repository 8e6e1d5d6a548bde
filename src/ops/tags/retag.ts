// A second name for an image in its own repository (crane tag): its manifest read once and written under
// each new tag. No blob moves: the image's blobs and children are in the repository already.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { isValidTag, type ImageReference } from '../../reference.js';
import { registryClient } from '../registries/index.js';
import { rememberTag } from '../resolve.js';

export interface Retagged {
  /** "registry/repository". */
  target: string;
  digest: string;
  tags: string[];
}

export async function tagImage(deps: Deps, source: ImageReference, tags: string[]): Promise<Retagged> {
  const invalid = tags.filter((t) => !isValidTag(t));
  if (!tags.length || invalid.length)
    throw new AppError(
      'INVALID_REQUEST',
      `tags: expected tags of up to 128 of [A-Za-z0-9_.-], got "${invalid[0] ?? ''}"`,
    );
  const { registry, repository } = source;
  const client = registryClient(deps, registry);
  let digest = source.digest;
  if (!digest) {
    // The tag as the registry holds it now (never a mirror's copy); the bytes then by digest.
    const head = await client.headManifest(repository, source.tag ?? 'latest', { primary: true });
    if (!head) throw new AppError('NOT_FOUND', `${registry}/${repository}:${source.tag ?? 'latest'} is not there`);
    digest = head.digest;
  }
  const manifest = await client.getManifest(repository, digest);
  for (const tag of tags) {
    await client.putManifest(repository, tag, manifest.bytes, manifest.mediaType);
    rememberTag(deps, registry, repository, tag, manifest.digest);
  }
  return { target: `${registry}/${repository}`, digest: manifest.digest, tags };
}
