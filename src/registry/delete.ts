// Deleting a manifest or a tag at a registry (a sync set's prune). The distribution spec deletes a tag by
// name where the registry allows it; distribution 2.8 deletes by digest only, which untags every tag that
// names the digest, so the caller decides whether that is safe.

import { isValidDigest, isValidTag } from '../reference.js';
import { AppError } from '../errors.js';
import { discardBody } from './body.js';
import type { RegistryClient } from './client.js';
import { upstreamError } from './upstream-errors.js';

export type Deleted = 'deleted' | 'gone' | 'unsupported';

// A registry that deletes no tag by name says so with one of these (distribution 2.8: DIGEST_INVALID).
const NO_TAG_DELETE = new Set(['UNSUPPORTED', 'DIGEST_INVALID', 'TAG_INVALID']);

/**
 * Deletes `reference` (a tag or a digest) from the repository: 'gone' when it was not there, 'unsupported'
 * when the registry deletes no tag by name (or deletes nothing at all).
 */
export async function deleteManifest(client: RegistryClient, repository: string, reference: string): Promise<Deleted> {
  const byDigest = isValidDigest(reference);
  if (!byDigest && !isValidTag(reference)) throw new AppError('INVALID_REFERENCE', `"${reference}" is no tag`);
  const response = await client.transport.request(client.transport.primaryEndpoint(), {
    method: 'DELETE',
    path: `/v2/${repository}/manifests/${reference}`,
    scopes: [`repository:${repository}:delete`],
    idempotent: true, // what is deleted stays deleted
  });
  if (response.status === 202 || response.status === 200 || response.status === 204) {
    await discardBody(response);
    return 'deleted';
  }
  if (response.status === 404) {
    await discardBody(response);
    return 'gone';
  }
  if (response.status === 405) {
    await discardBody(response);
    return 'unsupported';
  }
  const error = await upstreamError(response, `delete of ${client.registryKey}/${repository}:${reference}`, 'DELETE');
  if (response.status === 400 && !byDigest && error.upstream?.codes.some((c) => NO_TAG_DELETE.has(c)))
    return 'unsupported';
  throw error;
}
