// CNCF distribution notifications (events.v1+json): `Authorization: Bearer <secret>`, tagged manifest pushes.

import { constantTimeEqual } from '../../../constant-time.js';
import { AppError } from '../../../errors.js';
import { isObject, type PushEvent, type SenderFormat } from '../sender.js';

const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

interface DistributionEvent {
  id?: unknown;
  action?: unknown;
  target?: { mediaType?: unknown; digest?: unknown; repository?: unknown; tag?: unknown };
}

/** CNCF distribution notification envelope (events.v1/v2+json): each tagged manifest push. */
export function distributionEvents(body: unknown): PushEvent[] {
  const events = (body as { events?: unknown })?.events;
  if (!Array.isArray(events))
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a distribution notification envelope (no "events" array)');
  const out: PushEvent[] = [];
  for (const raw of events as (DistributionEvent | null)[]) {
    if (!isObject(raw)) continue;
    const t = isObject(raw.target) ? raw.target : undefined;
    if (
      raw.action !== 'push' ||
      !t ||
      typeof t.tag !== 'string' ||
      typeof t.repository !== 'string' ||
      typeof t.digest !== 'string' ||
      typeof raw.id !== 'string'
    )
      continue;
    if (!MANIFEST_TYPES.has(String(t.mediaType))) continue;
    out.push({ id: raw.id, repository: t.repository, tag: t.tag, digest: t.digest });
  }
  return out;
}

export const distribution: SenderFormat = {
  async verifyHeaders(_deps, receiver, header) {
    if (!constantTimeEqual(header('authorization'), `Bearer ${receiver.secret}`))
      throw new AppError('UNAUTHENTICATED', "the webhook does not carry this receiver's secret");
  },
  parse: distributionEvents,
};
