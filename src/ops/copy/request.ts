// What a copy is asked to do, and the two kinds of copy it names: one image, or many tags of a repository.

import { parseReference, parseRepositoryName } from '../../reference.js';
import type { PlanCost } from './budget.js';
import type { CopyResult } from './events.js';

export interface CopyRequest {
  source: string;
  target: string;
  /** Extra target tags, or (with a repository as source) which source tags to copy. */
  tags?: string[] | 'all' | { regex: string };
  platforms?: 'all' | string[];
  unwrap?: boolean;
  verify?: boolean;
  /** false: answer 202 with a job at once, and copy outside the request. */
  wait?: boolean;
}

export interface ManyCopyResult {
  results: CopyResult[];
  /** Tags the source listed that are not valid tags (a hostile or broken registry): not copied. */
  skipped?: { tag: string; reason: string }[];
}

/** Runs right before a tag is written, and throws to keep it from being written. */
export type TagGuard = (tag: string) => Promise<void>;

export interface CopyOptions {
  beforeTag?: TagGuard;
  /** Earlier steps brought the blobs to the target (a Workflow job): look there first. */
  blobsPlaced?: boolean;
  /** A many-tags copy's tags when the caller listed them already (selectTags): not listed twice. */
  selectedTags?: string[];
  /** Prices each plan before any byte moves (a synchronous copy: throws OverBudget to become a job). */
  admit?: (cost: PlanCost) => void;
  /** Once aborted, the copy starts nothing more (its rest was handed to a job); what runs finishes. */
  signal?: AbortSignal;
  /**
   * Which "registry/repository" the copy may read on its caller's behalf: a blob is mounted only from one of
   * these (or the source itself), never from wherever Ferry remembers it, so a mount cannot widen access.
   */
  readable?: (repository: string) => boolean;
  /** Who the copy is for (a caller id): named in the audit record of a repository the copy had to create. */
  actor?: string;
}

/** True when the request copies a set of source tags (`tags: "all"` or `{match}`). */
export function copiesManyTags(request: CopyRequest): boolean {
  return request.tags === 'all' || (typeof request.tags === 'object' && !Array.isArray(request.tags));
}

/** The repositories a copy reads and writes ("registry/repository"), for authorisation before it starts. */
export function copySubjects(request: CopyRequest): { source: string; target: string } {
  const manyTags = copiesManyTags(request);
  const source = manyTags ? parseRepositoryName(request.source) : parseReference(request.source);
  const target = manyTags ? parseRepositoryName(request.target) : parseReference(request.target);
  return { source: `${source.registry}/${source.repository}`, target: `${target.registry}/${target.repository}` };
}
