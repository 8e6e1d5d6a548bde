// Chunked uploads in progress, kept in the state store (consistent, no per-key write limit): where the
// upload is and how many bytes the registry acknowledged, so a restarted job continues from there.

import type { Deps } from '../deps.js';
import { stateKeys } from '../state/records.js';
import { getStateJson } from '../state/store.js';

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

/** Records the acknowledged offset; one writer per blob and target, so a lost race only means a newer write won. */
export async function recordUploadSession(deps: Deps, key: string, record: UploadSessionRecord): Promise<void> {
  const value = JSON.stringify(record);
  const options = { ttlSeconds: UPLOAD_SESSION_TTL_SECONDS };
  const held = await deps.state.get(key);
  if (held ? await deps.state.update(key, held.version, value, options) : await deps.state.create(key, value, options)) return;
  const again = await deps.state.get(key);
  if (again) await deps.state.update(key, again.version, value, options);
}

export function forgetUploadSession(deps: Deps, key: string): Promise<void> {
  return deps.state.delete(key);
}
