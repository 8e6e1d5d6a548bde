// Quay: no proof is sent; the long random receiver id in the path is the secret. Events name tags only.

import { AppError } from '../../../errors.js';
import { computeDigest } from '../../../registry/digest.js';
import type { PushEvent, SenderFormat } from '../sender.js';

/** Quay: updated tags of a repository (no digests; resolved when the job runs). */
export function quayEvents(body: unknown, bodyDigest: string): PushEvent[] {
  const b = body as { repository?: unknown; updated_tags?: unknown };
  if (typeof b?.repository !== 'string' || !Array.isArray(b.updated_tags))
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a Quay event');
  const repository = b.repository;
  return b.updated_tags
    .filter((t): t is string => typeof t === 'string')
    .map((tag) => ({ id: `${bodyDigest}:${tag}`, repository, tag }));
}

export const quay: SenderFormat = { parse: async (body, raw) => quayEvents(body, await computeDigest(raw)) };
