// Docker Hub: no proof is sent; the long random receiver id in the path is the secret.

import { AppError } from '../../../errors.js';
import { isObject, type PushEvent, type SenderFormat } from '../sender.js';

/** Docker Hub: a tag was pushed (no digest: it is resolved when the job runs). */
export function dockerHubEvents(body: unknown): PushEvent[] {
  const b = body as { push_data?: { tag?: unknown; pushed_at?: unknown }; repository?: { repo_name?: unknown } };
  if (!isObject(b?.push_data) || !isObject(b.repository))
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a Docker Hub event');
  if (typeof b.push_data.tag !== 'string' || typeof b.repository.repo_name !== 'string') return [];
  // pushed_at is a number in Docker Hub's events; anything else is not turned into text (a deep array would overflow).
  const at =
    typeof b.push_data.pushed_at === 'number' || typeof b.push_data.pushed_at === 'string' ? b.push_data.pushed_at : '';
  return [
    {
      id: `${b.repository.repo_name}:${b.push_data.tag}:${at}`,
      repository: b.repository.repo_name,
      tag: b.push_data.tag,
    },
  ];
}

export const dockerhub: SenderFormat = { parse: dockerHubEvents };
