// The `webhooks` part of the configuration: one receiver per sender, with its format, registry and proof.

import { AppError } from './errors.js';

export interface WebhookReceiver {
  id: string;
  /**
   * CNCF distribution notifications (shared secret header), GitHub package events (HMAC over the body), or
   * Artifact Registry notifications through Pub/Sub push (a Google-signed OIDC token).
   */
  format: 'distribution' | 'github' | 'pubsub';
  /** The registry the events are about: taken from here, never from the payload. */
  registry: string;
  /** distribution: sent as `Authorization: Bearer <secret>`; github: the webhook's HMAC key. */
  secret: string;
  /** pubsub: the push subscription's token: issuer, JWKS and the exact audience it was configured with. */
  token?: { issuer: string; jwksUri: string; audience: string };
}

function fail(message: string): never {
  throw new AppError('INVALID_CONFIG', `invalid configuration: webhooks.${message}`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseWebhooks(value: unknown, resolveSecret: (where: string, value: unknown) => string): WebhookReceiver[] {
  if (value === undefined) return [];
  if (!isRecord(value) || !isRecord(value.receivers)) fail('expected {"receivers": {"<id>": {...}}}');
  return Object.entries(value.receivers).map(([id, r]) => {
    const where = `receivers["${id}"]`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) fail(`${where}: ids are 1-64 of A-Z a-z 0-9 _ -`);
    if (!isRecord(r)) fail(`${where}: expected an object`);
    if (r.format !== 'distribution' && r.format !== 'github' && r.format !== 'pubsub') fail(`${where}.format: supported: "distribution", "github", "pubsub"`);
    if (typeof r.registry !== 'string' || !r.registry) fail(`${where}.registry: expected host[:port]`);
    if (r.format === 'pubsub') {
      const t = r.token;
      if (!isRecord(t) || typeof t.audience !== 'string' || !t.audience) fail(`${where}.token: expected {"audience": "...", "issuer"?, "jwksUri"?}`);
      const issuer = typeof t.issuer === 'string' ? t.issuer : 'https://accounts.google.com';
      const jwksUri = typeof t.jwksUri === 'string' ? t.jwksUri : 'https://www.googleapis.com/oauth2/v3/certs';
      return { id, format: r.format, registry: r.registry.toLowerCase(), secret: '', token: { issuer, jwksUri, audience: t.audience } };
    }
    const secret = resolveSecret(`webhooks.${where}.secret`, r.secret);
    if (secret.length < 16) fail(`${where}.secret: use at least 16 characters`);
    return { id, format: r.format, registry: r.registry.toLowerCase(), secret };
  });
}
