// The events a copy reports while it runs, and its result.

import type { RateLimit } from '../../registry/rate-limit.js';

export interface CopyResult {
  /** The source as resolved, by digest. */
  source: string;
  /** The target repository. */
  target: string;
  digest: string;
  size: number;
  mediaType: string;
  tags: string[];
  platforms?: string[];
  indexDigestChanged?: boolean;
  /** Asked for (`referrers`): the digests of the signatures, attestations and SBOMs copied along, or why none. */
  referrers?: { copied: string[]; skipped?: string };
}

export type CopyEvent =
  | { type: 'resolved'; source: string; digest: string; rateLimit?: RateLimit }
  | { type: 'plan'; manifests: number; blobs: number; bytes: number }
  | { type: 'skipped'; blob: string; size: number }
  /** A tag of a many-tags copy left alone: listed but no tag, or held at the target (noClobber). */
  | { type: 'tag-skipped'; tag: string; reason: string }
  | { type: 'mounted'; blob: string; size: number; from: string }
  | { type: 'started'; blob: string; size: number }
  | { type: 'progress'; blob: string; bytes: number; size: number }
  | { type: 'resumed'; blob: string; offset: number; upload?: boolean }
  | { type: 'retrying'; blob: string; attempt: number; reason: string }
  | { type: 'done'; blob: string; size: number }
  | { type: 'pushed'; manifest: string; mediaType: string; reference: string }
  | { type: 'done'; result: CopyResult }
  | { type: 'error'; code: string; status: number; message: string; blob?: string; manifest?: string; tag?: string };

export interface CopyReporter {
  emit(event: CopyEvent): void;
  /** False when nobody watches progress: blobs then flow without a metering transform. */
  wantsProgress: boolean;
}

export const silentReporter: CopyReporter = { emit: () => {}, wantsProgress: false };
