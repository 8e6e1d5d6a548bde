// Azure Container Registry: a custom header carries the secret; distribution-like single events.

import { constantTimeEqual } from '../../../constant-time.js';
import { AppError } from '../../../errors.js';
import { isObject, type PushEvent, type SenderFormat } from '../sender.js';

/** Azure Container Registry: distribution-like single events. */
export function acrEvents(body: unknown): PushEvent[] {
  const b = body as {
    id?: unknown;
    action?: unknown;
    target?: { repository?: unknown; tag?: unknown; digest?: unknown };
  };
  if (!isObject(b) || !isObject(b.target)) throw new AppError('UNKNOWN_EVENT_FORMAT', 'not an ACR event');
  const t = b.target;
  if (
    b.action !== 'push' ||
    typeof b.id !== 'string' ||
    typeof t.repository !== 'string' ||
    typeof t.tag !== 'string' ||
    typeof t.digest !== 'string'
  )
    return [];
  return [{ id: b.id, repository: t.repository, tag: t.tag, digest: t.digest }];
}

export const acr: SenderFormat = {
  async verifyHeaders(_deps, receiver, header) {
    if (!constantTimeEqual(header(receiver.header!), receiver.secret))
      throw new AppError('UNAUTHENTICATED', `the webhook does not carry this receiver's ${receiver.header} header`);
  },
  parse: acrEvents,
};
