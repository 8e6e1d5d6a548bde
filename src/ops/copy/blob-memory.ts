// The two ends of a blob's move, and what Ferry remembers of where images live in a target registry: the
// repositories a blob can be mounted from instead of streamed.

import type { Deps } from '../../deps.js';
import { cacheRead, cacheWrite } from '../../kv/cache.js';
import { getImageLocations, putImageLocations, recordKeys } from '../../kv/records.js';
import type { RegistryClient } from '../../registry/client.js';
import type { RepositoryName } from '../../reference.js';
import { registryClient } from '../registries/index.js';

export interface BlobEnds {
  source: RegistryClient;
  sourceRepository: string;
  target: RegistryClient;
  targetRepository: string;
  verify: boolean;
  /** Wrap the download so it resumes with Range (costs a JS hop per chunk; see docs/benchmarks.md). */
  resumeDownloads: boolean;
  /** Whether a blob may be mounted from "registry/repository" (one the caller may read); the source always may. */
  mayMountFrom: (repository: string) => boolean;
  /**
   * The job whose upload sessions these are (a restarted run of it resumes them): copies of one blob into
   * one repository at once never write into each other's session. None for a copy in a request: no later
   * run could resume it, so its uploads are not recorded.
   */
  uploadOwner?: string;
}

/**
 * The two ends of a copy's blobs, as the request path and a job's blob steps both build them: the clients
 * of the two registries, whether bytes are verified, and from where a blob may be mounted (by default only
 * from the source itself, on the same registry).
 */
export function blobEnds(
  deps: Deps,
  from: RepositoryName,
  to: RepositoryName,
  options: { verify: boolean; mayMountFrom?: (repository: string) => boolean; uploadOwner?: string },
): BlobEnds {
  return {
    source: registryClient(deps, from.registry),
    sourceRepository: from.repository,
    target: registryClient(deps, to.registry),
    targetRepository: to.repository,
    verify: options.verify,
    resumeDownloads: deps.config.resumeDownloads,
    mayMountFrom: options.mayMountFrom ?? (() => false),
    ...(options.uploadOwner ? { uploadOwner: options.uploadOwner } : {}),
  };
}

/**
 * What Ferry remembers of where an image lives in the target registry (one KV record per image: read once
 * before a copy, written at most once after it): every blob of the image can be mounted from there.
 */
export class BlobMemory {
  readonly #registry: string;
  readonly #image: string | undefined;
  #repositories: string[];
  #holder: string | undefined;

  // What the KV record held: the one written back, with the new holder first.
  readonly #saved: string[];

  private constructor(registry: string, image: string | undefined, repositories: string[]) {
    this.#registry = registry;
    this.#image = image;
    this.#repositories = repositories;
    this.#saved = repositories;
  }

  /** Where the image `digest` is known to be in the target registry. */
  static async load(deps: Deps, registry: string, digest: string): Promise<BlobMemory> {
    const known = await cacheRead(deps, 'image locations', () => getImageLocations(deps.kv, registry, digest));
    return new BlobMemory(registry, digest, known ?? []);
  }

  /** Nothing remembered, nothing written (a single blob moved on its own). */
  static none(registry: string): BlobMemory {
    return new BlobMemory(registry, undefined, []);
  }

  known(_digest: string): string[] {
    return this.#repositories;
  }

  /** Whether a mount will be tried for this blob (same registry, or a remembered repository). */
  canMount(digest: string, ends: BlobEnds): boolean {
    return mountCandidates(ends, this.known(digest)).length > 0;
  }

  /** The blobs are believed to be in `repository` already (earlier steps put them there): HEAD before anything else. */
  assume(repository: string): void {
    this.#repositories = [...new Set([repository, ...this.#repositories])];
  }

  /** The whole image is now in `repository`. */
  holds(repository: string): void {
    this.#holder = repository;
  }

  /**
   * Best effort and after the response: a lost write only costs a future mount. An unchanged record is not rewritten.
   */
  save(deps: Deps): void {
    const image = this.#image;
    const holder = this.#holder;
    if (!image || !holder || this.#saved[0] === holder) return;
    const key = recordKeys.imageLocations(this.#registry, image);
    cacheWrite(deps, 'image locations', key, () =>
      putImageLocations(deps.kv, this.#registry, image, [holder, ...this.#saved]),
    );
  }
}

/**
 * Repositories of the target registry a blob may be mounted from: the source's on the same registry, and remembered
 * ones the caller may read.
 */
export function mountCandidates(ends: BlobEnds, known: string[]): string[] {
  const sameRegistry = ends.source.registryKey === ends.target.registryKey ? [ends.sourceRepository] : [];
  const readable = known.filter((r) => ends.mayMountFrom(`${ends.target.registryKey}/${r}`));
  return [...new Set([...sameRegistry, ...readable])].filter((r) => r !== ends.targetRepository);
}
