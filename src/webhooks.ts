// The `webhooks` part of the configuration: one receiver per sender, with its format, registry and proof.

import { AppError } from './errors.js';

export interface WebhookReceiver {
  id: string;
  /** CNCF distribution notifications (shared secret header) or GitHub package events (HMAC over the body). */
  format: 'distribution' | 'github';
  /** The registry the events are about: taken from here, never from the payload. */
  registry: string;
  /** distribution: sent as `Authorization: Bearer <secret>`; github: the webhook's HMAC key. */
  secret: string;
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
    if (r.format !== 'distribution' && r.format !== 'github') fail(`${where}.format: supported: "distribution", "github"`);
    if (typeof r.registry !== 'string' || !r.registry) fail(`${where}.registry: expected host[:port]`);
    const secret = resolveSecret(`webhooks.${where}.secret`, r.secret);
    if (secret.length < 16) fail(`${where}.secret: use at least 16 characters`);
    return { id, format: r.format, registry: r.registry.toLowerCase(), secret };
  });
}
