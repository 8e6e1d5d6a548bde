// Chunked uploads in progress, kept in the state store (consistent, no per-key write limit): where the
// upload is and how many bytes the registry acknowledged, so a restarted job continues from there.

import type { Deps } from '../../deps.js';
import { BlobUploader } from '../../registry/upload.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson } from '../../state/store.js';
import { registryClient } from '../registries/index.js';

export interface UploadSessionRecord {
  location: string;
  offset: number;
  minChunk?: number;
}

// Registries drop idle upload sessions after hours or days; a record older than that is useless.
const UPLOAD_SESSION_TTL_SECONDS = 24 * 3600;

export const uploadSessionKey = stateKeys.upload;

export async function loadUploadSession(deps: Deps, key: string): Promise<UploadSessionRecord | null> {
  const entry = await getStateJson<UploadSessionRecord>(deps.state, key);
  const record = entry?.value;
  return record && typeof record.location === 'string' && typeof record.offset === 'number' ? record : null;
}

/** Records the acknowledged offset; one writer per key (blob, target, owner): a lost race means a newer write won. */
export async function recordUploadSession(deps: Deps, key: string, record: UploadSessionRecord): Promise<void> {
  const value = JSON.stringify(record);
  const options = { ttlSeconds: UPLOAD_SESSION_TTL_SECONDS };
  const held = await deps.state.get(key);
  if (held ? await deps.state.update(key, held.version, value, options) : await deps.state.create(key, value, options))
    return;
  const again = await deps.state.get(key);
  if (again) await deps.state.update(key, again.version, value, options);
}

export function forgetUploadSession(deps: Deps, key: string): Promise<void> {
  return deps.state.delete(key);
}

/**
 * Cancels (DELETE) the uploads `owner` (a job) recorded into a repository and forgets them: what a cancelled job
 * leaves open there. Other copies' uploads into the same repository go on. Best effort: a session the
 * registry dropped is gone already.
 */
export async function abandonUploads(deps: Deps, registry: string, repository: string, owner: string): Promise<number> {
  const prefix = stateKeys.uploadsInto(registry, repository);
  const uploader = new BlobUploader(registryClient(deps, registry), repository);
  let abandoned = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.state.list(prefix, cursor ? { cursor } : {});
    for (const entry of page.entries) {
      if (!entry.key.endsWith(`#${owner}`)) continue;
      const record = await loadUploadSession(deps, entry.key);
      if (record) await uploader.cancel({ location: record.location, minChunk: record.minChunk });
      await forgetUploadSession(deps, entry.key);
      abandoned++;
    }
    cursor = page.cursor;
  } while (cursor);
  return abandoned;
}
