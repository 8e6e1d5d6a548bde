// Artifact Registry notifications through Pub/Sub push: an OIDC token of the subscription's own service account.

import { constantTimeEqual } from '../../../constant-time.js';
import { AppError } from '../../../errors.js';
import { verifyIssuerToken } from '../../../oidc.js';
import { isObject, type PushEvent, type SenderFormat } from '../sender.js';

/**
 * Artifact Registry notifications arrive through Pub/Sub push: `message.data` is base64 JSON with
 * `action`, `digest` ("host/path@sha256:…") and `tag` ("host/path:tag"). The host in them is ignored:
 * the receiver's registry is the one that counts.
 */
export function pubsubEvents(body: unknown): PushEvent[] {
  const message = (body as { message?: { data?: unknown; messageId?: unknown; message_id?: unknown } })?.message;
  if (!message || typeof message.data !== 'string')
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'not a Pub/Sub push message');
  const id = String(message.messageId ?? message.message_id ?? '');
  let data: { action?: unknown; digest?: unknown; tag?: unknown };
  try {
    data = JSON.parse(atob(message.data)) as typeof data;
  } catch {
    throw new AppError('UNKNOWN_EVENT_FORMAT', 'the Pub/Sub message data is not base64 JSON');
  }
  if (
    !isObject(data) ||
    data.action !== 'INSERT' ||
    typeof data.tag !== 'string' ||
    typeof data.digest !== 'string' ||
    !id
  )
    return [];
  const at = data.digest.lastIndexOf('@');
  const colon = data.tag.lastIndexOf(':');
  const path = data.tag.slice(0, colon);
  const repository = path.slice(path.indexOf('/') + 1);
  return [{ id, repository, tag: data.tag.slice(colon + 1), digest: data.digest.slice(at + 1) }];
}

export const pubsub: SenderFormat = {
  async verifyHeaders(deps, receiver, header) {
    const token = header('authorization').match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw new AppError('UNAUTHENTICATED', 'a Pub/Sub push needs its OIDC token');
    const expected = receiver.token!;
    const issuer = {
      ...expected,
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
      maxTokenAgeSeconds: 3600,
      jwksCooldownSeconds: 30,
    };
    const claims = await verifyIssuerToken(deps, issuer, token);
    // Any service account can get a token for any audience: the subscription's own account is the proof.
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : '';
    if (claims.email_verified !== true || !constantTimeEqual(email, expected.serviceAccountEmail))
      throw new AppError(
        'UNAUTHENTICATED',
        "the token is not the push subscription's service account (a verified email)",
      );
  },
  parse: pubsubEvents,
};
