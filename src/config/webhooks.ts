// The `webhooks` part of the configuration: one receiver per sender, with its format, registry and proof.

import { z } from 'zod';
import { normalizeRegistryHost } from '../reference.js';
import { formatPath, type ConfigProblems } from './problems.js';
import { HttpUrl, SecretValueSchema } from './values.js';

export const RECEIVER_FORMATS = ['distribution', 'github', 'pubsub', 'harbor', 'acr', 'dockerhub', 'quay'] as const;
const RECEIVER_ID = /^[A-Za-z0-9_-]{1,64}$/;

const ReceiverSchema = z.strictObject({
  format: z.enum(RECEIVER_FORMATS, { error: `supported: ${RECEIVER_FORMATS.map((f) => `"${f}"`).join(', ')}` }),
  registry: z.string().min(1, 'expected host[:port]'),
  secret: SecretValueSchema.optional(),
  token: z
    .strictObject({
      audience: z.string().min(1),
      issuer: z.string().optional(),
      jwksUri: HttpUrl.optional(),
      /** The push subscription's service account: the token's verified `email` must be this. */
      serviceAccountEmail: z.string().optional(),
    })
    .optional(),
  header: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, "the custom header's name")
    .optional(),
});

export const WebhooksSchema = z.strictObject({
  receivers: z.record(z.string().regex(RECEIVER_ID, 'ids are 1-64 of A-Z a-z 0-9 _ -'), ReceiverSchema),
});

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
  token?: { issuer: string; jwksUri: string; audience: string; serviceAccountEmail: string };
  /** acr: the custom header the webhook sends (its value is `secret`). */
  header?: string;
}

// Docker Hub and Quay sign nothing: the receiver id in the URL is the secret, so it must be unguessable.
const MIN_PATH_SECRET = 32;
const MIN_SECRET = 16;

/** The `webhooks` section, schema-checked: each format's proof settings present, secrets resolved. */
export function buildReceivers(
  value: z.infer<typeof WebhooksSchema> | undefined,
  problems: ConfigProblems,
): WebhookReceiver[] {
  return Object.entries(value?.receivers ?? {}).map(([id, r]): WebhookReceiver => {
    const where = formatPath(['webhooks', 'receivers', id]);
    const base = { id, format: r.format, registry: normalizeRegistryHost(r.registry), secret: '' };
    if (r.format === 'dockerhub' || r.format === 'quay') {
      if (id.length < MIN_PATH_SECRET)
        problems.add(
          where,
          `${r.format} signs nothing, so the receiver id is its secret: use ${MIN_PATH_SECRET}+ random characters`,
        );
      return base;
    }
    if (r.format === 'pubsub') {
      const t = r.token;
      if (!t) {
        problems.add(
          `${where}.token`,
          'expected {"audience": "...", "serviceAccountEmail": "...", "issuer"?, "jwksUri"?}',
        );
        return base;
      }
      // Any Google service account can mint a token for any audience: only the push subscription's own
      // account proves the message came from it.
      if (!t.serviceAccountEmail)
        problems.add(
          `${where}.token.serviceAccountEmail`,
          "required: the push subscription's service account, matched against the token's verified email",
        );
      const token = {
        issuer: t.issuer ?? 'https://accounts.google.com',
        jwksUri: t.jwksUri ?? 'https://www.googleapis.com/oauth2/v3/certs',
        audience: t.audience,
        serviceAccountEmail: (t.serviceAccountEmail ?? '').toLowerCase(),
      };
      return { ...base, token };
    }
    const secret = r.secret === undefined ? '' : problems.secret(`${where}.secret`, r.secret);
    if (r.secret === undefined) problems.add(`${where}.secret`, 'required');
    else if (secret && secret.length < MIN_SECRET)
      problems.add(`${where}.secret`, `use at least ${MIN_SECRET} characters`);
    if (r.format === 'acr') {
      if (!r.header) problems.add(`${where}.header`, "the custom header's name");
      return { ...base, secret, header: (r.header ?? '').toLowerCase() };
    }
    return { ...base, secret };
  });
}
