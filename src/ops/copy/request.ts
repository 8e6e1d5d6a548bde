// What a copy is asked to do, and the two kinds of copy it names: one image, or many tags of a repository.

import { AppError } from '../../errors.js';
import {
  DEFAULT_TAG,
  isValidTag,
  parseReference,
  parseRepositoryName,
  type ImageReference,
  type RepositoryName,
} from '../../reference.js';
import type { PlanCost } from './budget.js';
import type { CopyResult } from './events.js';

/** Which referrers travel with an image: every one, or those of these artifact types. */
export interface ReferrerSelection {
  artifactTypes?: string[];
}

export interface CopyRequest {
  source: string;
  target: string;
  /** Extra target tags, or (with a repository as source) which source tags to copy. */
  tags?: string[] | 'all' | { regex: string };
  platforms?: 'all' | string[];
  unwrap?: boolean;
  verify?: boolean;
  /** A target tag naming another image is not moved (crane's --no-clobber). */
  noClobber?: boolean;
  /** Copy signatures, attestations and SBOMs along (off by default, as skopeo copies without them). */
  referrers?: boolean | ReferrerSelection;
  /** false: answer 202 with a job at once, and copy outside the request. */
  wait?: boolean;
}

export interface ManyCopyResult {
  results: CopyResult[];
  /** Tags the source listed that are not valid tags (a hostile or broken registry): not copied. */
  skipped?: { tag: string; reason: string }[];
  /** Tags whose copy failed while the others went on (a job: `keepGoing`). */
  failed?: FailedTag[];
}

export interface FailedTag {
  tag: string;
  code: string;
  message: string;
}

/** Runs right before a tag is written, and throws to keep it from being written. */
export type TagGuard = (tag: string) => Promise<void>;

export interface CopyOptions {
  beforeTag?: TagGuard;
  /** Earlier steps brought the blobs to the target (a Workflow job): look there first. */
  blobsPlaced?: boolean;
  /**
   * The caller asked the target about these tags just now and found them missing or naming another image
   * (a sync run's plan): the copy does not ask again before it writes.
   */
  targetAsked?: boolean;
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
  /** The job whose recorded upload sessions a restarted run resumes (see BlobEnds.uploadOwner). */
  uploadOwner?: string;
  /** A many-tags copy goes on past a tag that fails, and reports it (a job; skopeo sync's --keep-going). */
  keepGoing?: boolean;
}

/**
 * A copy of one image (crane's Copy): the source by tag or by digest, the target repository, and the tags
 * it gets there, decided once from the request (as skopeo decides them).
 */
export interface ImageCopySpec {
  kind: 'image';
  source: ImageReference;
  target: RepositoryName;
  tags: string[];
  platforms: 'all' | string[];
  unwrap: boolean;
  verify: boolean;
  /** What travels along: nothing (false), or the referrers selected. */
  referrers: false | ReferrerSelection;
  /** A tag at the target that names another image is not moved (crane's --no-clobber): TAG_EXISTS. */
  noClobber?: boolean;
}

/** A copy of many tags of a repository (crane's CopyRepository, skopeo sync): every tag, or those a pattern finds. */
export interface RepositoryCopySpec {
  kind: 'repository';
  source: RepositoryName;
  target: RepositoryName;
  selection: 'all' | { regex: string };
  platforms: 'all' | string[];
  unwrap: boolean;
  verify: boolean;
  /** What travels along: nothing (false), or the referrers selected. */
  referrers: false | ReferrerSelection;
  /** Tags the target has already are skipped, whatever they name (crane's --no-clobber). */
  noClobber?: boolean;
}

/** A copy request parsed: its references typed, and whether it copies one image or many tags decided. */
export type CopySpec = ImageCopySpec | RepositoryCopySpec;

/** One image to copy with every platform, under these tags: the copies a promotion makes. */
export function imageCopySpec(source: ImageReference, target: RepositoryName, tags: string[]): ImageCopySpec {
  return { kind: 'image', source, target, tags, platforms: 'all', unwrap: false, verify: false, referrers: false };
}

/**
 * The one place a copy request is parsed: references, tags, and one image or many. A target digest only
 * restates the source's (the copy lands untagged, as crane and regctl allow); a target without a tag takes
 * the source's tag, and a digest source into a repository lands untagged (as skopeo does).
 */
export function parseCopySpec(request: CopyRequest): CopySpec {
  const common = {
    platforms: request.platforms ?? 'all',
    unwrap: request.unwrap === true,
    verify: request.verify === true,
    referrers: request.referrers === true ? {} : (request.referrers ?? false),
    ...(request.noClobber ? { noClobber: true } : {}),
  };
  const tags = request.tags;
  if (tags === 'all' || (typeof tags === 'object' && !Array.isArray(tags))) {
    const selection = tags === 'all' ? ('all' as const) : { regex: tags.regex };
    const source = parseRepositoryName(request.source);
    const target = parseRepositoryName(request.target);
    return { kind: 'repository', source, target, selection, ...common };
  }
  // As written: a tag is there only when the text named one.
  const written = parseReference(request.source, { defaultTag: false });
  const target = parseReference(request.target, { defaultTag: false });
  // A source that names neither tag nor digest is Docker's "latest".
  const source = written.tag || written.digest ? written : { ...written, tag: DEFAULT_TAG };
  if (target.digest && (target.digest !== source.digest || target.tag)) {
    throw new AppError(
      'INVALID_REQUEST',
      'a target digest must be the source digest, with no tag: the copy lands untagged',
    );
  }
  if (target.digest && common.platforms !== 'all') {
    throw new AppError(
      'INVALID_REQUEST',
      'a platform subset is a new index with its own digest: give the target a tag or no digest',
    );
  }
  const tag = target.tag ?? (written.digest && !written.tag ? undefined : source.tag);
  const extra = tags ?? [];
  for (const t of extra) if (!isValidTag(t)) throw new AppError('INVALID_REQUEST', `"${t}" is not a valid tag`);
  const name = { registry: target.registry, repository: target.repository };
  return { kind: 'image', source, target: name, tags: [...new Set([...(tag ? [tag] : []), ...extra])], ...common };
}

/** The repositories a copy reads and writes ("registry/repository"), for authorisation before it starts. */
export function copySubjects(spec: CopySpec): { source: string; target: string } {
  return {
    source: `${spec.source.registry}/${spec.source.repository}`,
    target: `${spec.target.registry}/${spec.target.repository}`,
  };
}
