// A job's chunked uploads in progress, kept in the state store (consistent, no per-key write limit): where
// the upload is and how many bytes the registry acknowledged, so a restarted job continues from there. The
// registry's own upload status is what a resume goes by; the record only has to name a session that still
// works. A registry whose upload URL carries the upload's state (distribution's `_state`, a new one each
// chunk) is recorded at each chunk, for an older URL no longer works there; one whose URL stays the same is
// recorded every RECORD_EVERY_CHUNKS chunks or RECORD_EVERY_MS at most. Records sit in a group per target
// repository (a Durable Object on Workers), so copies into one registry spread over its repositories.

import type { Deps } from '../../deps.js';
import { BlobUploader, type UploadSession } from '../../registry/upload.js';
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

const RECORD_EVERY_CHUNKS = 8;
const RECORD_EVERY_MS = 5000;

/**
 * Records one upload's acknowledged chunks (one writer per key: blob, target, owner), as few times as a
 * resume allows: one state call a chunk at most (the version it wrote is known, so an update needs no read).
 */
export class UploadRecorder {
  readonly #deps: Deps;
  readonly #key: string;
  #version: number | undefined;
  #location: string | undefined;
  #chunks = 0;
  #at = 0;

  constructor(deps: Deps, key: string) {
    this.#deps = deps;
    this.#key = key;
  }

  /** Told of each acknowledged chunk (BlobUploader's onChunk). */
  readonly chunk = async (session: UploadSession, offset: number): Promise<void> => {
    this.#chunks++;
    const moved = session.location !== this.#location;
    const due = this.#chunks >= RECORD_EVERY_CHUNKS || this.#deps.now() - this.#at >= RECORD_EVERY_MS;
    if (this.#version !== undefined && !moved && !due) return;
    const value = JSON.stringify({
      location: session.location,
      offset,
      ...(session.minChunk ? { minChunk: session.minChunk } : {}),
    } satisfies UploadSessionRecord);
    await this.#write(value);
    this.#location = session.location;
    this.#chunks = 0;
    this.#at = this.#deps.now();
  };

  async #write(value: string): Promise<void> {
    const state = this.#deps.state;
    const options = { ttlSeconds: UPLOAD_SESSION_TTL_SECONDS };
    if (this.#version === undefined) {
      if (await state.create(this.#key, value, options)) {
        this.#version = 1;
        return;
      }
    } else if (await state.update(this.#key, this.#version, value, options)) {
      this.#version++;
      return;
    }
    // An earlier run's record, or one changed behind this one: read it once and write over it.
    const held = await state.get(this.#key);
    if (held && (await state.update(this.#key, held.version, value, options))) this.#version = held.version + 1;
  }

  /** The upload ended (done, or given up): its record goes, if it was written. */
  async forget(): Promise<void> {
    if (this.#version !== undefined) await forgetUploadSession(this.#deps, this.#key);
  }
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
