// Raw manifest and tag-list reads for the HTTP API.

import type { Deps } from '../deps.js';
import { registryClient } from './clients.js';
import { formatReference, parseReference, parseRepositoryName } from '../reference.js';
import { manifestByDigest, resolveDigest } from './resolve.js';

export async function readManifest(deps: Deps, input: string): Promise<{ bytes: Uint8Array; mediaType: string; digest: string; reference: string }> {
  const ref = parseReference(input);
  registryClient(deps, ref.registry);
  const { digest, fetched } = await resolveDigest(deps, ref);
  const manifest = fetched ?? (await manifestByDigest(deps, ref.registry, ref.repository, digest));
  return { bytes: manifest.bytes, mediaType: manifest.mediaType, digest, reference: formatReference({ ...ref, digest }) };
}

export async function listTags(deps: Deps, input: string, options: { n?: number; last?: string }): Promise<{ name: string; tags: string[]; next?: string }> {
  const name = parseRepositoryName(input);
  const page = await registryClient(deps, name.registry).listTags(name.repository, options);
  return { name: `${name.registry}/${name.repository}`, ...page };
}
