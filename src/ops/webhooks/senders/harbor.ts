// Harbor (default JSON and CloudEvents): the configured auth header value, sent as it is.

import { constantTimeEqual } from '../../../constant-time.js';
import { AppError } from '../../../errors.js';
import { isObject, type PushEvent, type SenderFormat } from '../sender.js';

/** Harbor (default JSON and CloudEvents): pushed artifacts with digest and tag. */
export function harborEvents(body: unknown): PushEvent[] {
  const b = body as { type?: unknown; id?: unknown; specversion?: unknown; data?: HarborData; event_data?: HarborData };
  const data = b.event_data ?? b.data;
  if (!isObject(data) || !Array.isArray(data.resources))
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a Harbor event');
  // Default format: type PUSH_ARTIFACT; CloudEvents: harbor.artifact.pushed.
  if (b.type !== 'PUSH_ARTIFACT' && b.type !== 'harbor.artifact.pushed') return [];
  const repository = data.repository?.repo_full_name;
  if (typeof repository !== 'string') return [];
  // A CloudEvent has an id; the default format has none, so the pushed artifact itself stands in.
  const delivery = typeof b.specversion === 'string' && typeof b.id === 'string' ? `ce:${b.id}` : repository;
  return (
    data.resources
      // A push by digest repeats the digest in `tag`: no tag, nothing to promote.
      .filter((r) => isObject(r) && typeof r.tag === 'string' && typeof r.digest === 'string' && r.tag !== r.digest)
      .map((r) => ({ id: `${delivery}@${r.digest}:${r.tag}`, repository, tag: r.tag!, digest: r.digest! }))
  );
}

interface HarborData {
  resources?: { digest?: string; tag?: string }[];
  repository?: { repo_full_name?: string };
}

export const harbor: SenderFormat = {
  async verifyHeaders(_deps, receiver, header) {
    if (!constantTimeEqual(header('authorization'), receiver.secret))
      throw new AppError('UNAUTHENTICATED', "the webhook does not carry this receiver's secret");
  },
  parse: harborEvents,
};
