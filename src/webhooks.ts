// The `webhooks` part of the configuration: one receiver per sender, with its format, registry and proof.

import { AppError } from './errors.js';

export interface WebhookReceiver {
  id: string;
  /**
   * CNCF distribution notifications (shared secret header), GitHub package events (HMAC over the body), or
   * Artifact Registry notifications through Pub/Sub push (a Google-signed OIDC token).
   */
  format: 'distribution' | 'github' | 'pubsub' | 'harbor' | 'acr' | 'dockerhub' | 'quay';
  /** The registry the events are about: taken from here, never from the payload. */
  registry: string;
  /** distribution: sent as `Authorization: Bearer <secret>`; github: the webhook's HMAC key. */
  secret: string;
  /** pubsub: the push subscription's token: issuer, JWKS and the exact audience it was configured with. */
  token?: { issuer: string; jwksUri: string; audience: string };
  /** acr: the custom header the webhook sends (its value is `secret`). */
  header?: string;
}

// Docker Hub and Quay sign nothing: the receiver id in the URL is the secret, so it must be unguessable.
const MIN_PATH_SECRET = 32;
const FORMATS = ['distribution', 'github', 'pubsub', 'harbor', 'acr', 'dockerhub', 'quay'] as const;

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
    const format = FORMATS.find((f) => f === r.format);
    if (!format) fail(`${where}.format: supported: ${FORMATS.map((f) => `"${f}"`).join(', ')}`);
    if (typeof r.registry !== 'string' || !r.registry) fail(`${where}.registry: expected host[:port]`);
    if (format === 'dockerhub' || format === 'quay') {
      if (id.length < MIN_PATH_SECRET) fail(`${where}: ${format} signs nothing, so the receiver id is its secret: use ${MIN_PATH_SECRET}+ random characters`);
      return { id, format, registry: r.registry.toLowerCase(), secret: '' };
    }
    if (format === 'pubsub') {
      const t = r.token;
      if (!isRecord(t) || typeof t.audience !== 'string' || !t.audience) fail(`${where}.token: expected {"audience": "...", "issuer"?, "jwksUri"?}`);
      const issuer = typeof t.issuer === 'string' ? t.issuer : 'https://accounts.google.com';
      const jwksUri = typeof t.jwksUri === 'string' ? t.jwksUri : 'https://www.googleapis.com/oauth2/v3/certs';
      return { id, format, registry: r.registry.toLowerCase(), secret: '', token: { issuer, jwksUri, audience: t.audience } };
    }
    const secret = resolveSecret(`webhooks.${where}.secret`, r.secret);
    if (secret.length < 16) fail(`${where}.secret: use at least 16 characters`);
    if (format === 'acr') {
      if (typeof r.header !== 'string' || !/^[A-Za-z0-9-]+$/.test(r.header)) fail(`${where}.header: the custom header's name`);
      return { id, format, registry: r.registry.toLowerCase(), secret, header: r.header.toLowerCase() };
    }
    return { id, format, registry: r.registry.toLowerCase(), secret };
  });
}
