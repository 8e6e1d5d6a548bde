// POST /v1/webhooks/<receiver>: registry events in, promotion jobs out. The receiver's own proof stands in
// for caller authentication (the sender is a registry, not a caller with a key). A proof carried in a
// header is checked before the body is read; the body is capped and read within a deadline either way.

import { Hono, type Context } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import {
  acrEvents,
  distributionEvents,
  dockerHubEvents,
  githubEvents,
  harborEvents,
  pubsubEvents,
  quayEvents,
  startPromotions,
  type PushEvent,
} from '../ops/webhooks/index.js';
import { computeDigest } from '../registry/digest.js';
import type { WebhookReceiver } from '../config/webhooks.js';
import type { AppEnv } from './app-env.js';
import { constantTimeEqual, verifyIssuerToken } from './auth.js';
import { readBodyBytes } from './body.js';

// Registry notifications are small; distribution batches a few events per envelope.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

async function hmacSha256Hex(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, body as BufferSource));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Proofs in headers: a shared secret, or Pub/Sub's OIDC token from the subscription's own service account. */
async function checkHeaderProof(c: Context<AppEnv>, deps: Deps, receiver: WebhookReceiver): Promise<void> {
  const header = (name: string) => c.req.header(name) ?? '';
  if (receiver.format === 'pubsub') {
    const token = header('authorization').match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw new AppError('UNAUTHENTICATED', 'a Pub/Sub push needs its OIDC token');
    const expected = receiver.token!;
    const claims = await verifyIssuerToken(
      deps,
      {
        ...expected,
        algorithms: ['RS256', 'ES256'],
        clockToleranceSeconds: 30,
        maxTokenAgeSeconds: 3600,
        jwksCooldownSeconds: 30,
      },
      token,
    );
    // Any service account can get a token for any audience: the subscription's own account is the proof.
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : '';
    if (claims.email_verified !== true || !constantTimeEqual(email, expected.serviceAccountEmail)) {
      throw new AppError(
        'UNAUTHENTICATED',
        "the token is not the push subscription's service account (a verified email)",
      );
    }
  } else if (receiver.format === 'harbor') {
    // Harbor sends the configured auth header value as it is.
    if (!constantTimeEqual(header('authorization'), receiver.secret))
      throw new AppError('UNAUTHENTICATED', "the webhook does not carry this receiver's secret");
  } else if (receiver.format === 'acr') {
    if (!constantTimeEqual(header(receiver.header!), receiver.secret))
      throw new AppError('UNAUTHENTICATED', `the webhook does not carry this receiver's ${receiver.header} header`);
  } else if (
    receiver.format === 'distribution' &&
    !constantTimeEqual(header('authorization'), `Bearer ${receiver.secret}`)
  ) {
    throw new AppError('UNAUTHENTICATED', "the webhook does not carry this receiver's secret");
  }
  // github signs the body (checked once it is read); dockerhub and quay sign nothing: the long, random
  // receiver id in the path is their proof.
}

async function eventsOf(receiver: WebhookReceiver, body: unknown, raw: Uint8Array): Promise<PushEvent[]> {
  switch (receiver.format) {
    case 'github':
      return githubEvents(body);
    case 'pubsub':
      return pubsubEvents(body);
    case 'harbor':
      return harborEvents(body);
    case 'acr':
      return acrEvents(body);
    case 'dockerhub':
      return dockerHubEvents(body);
    case 'quay':
      return quayEvents(body, await computeDigest(raw));
    default:
      return distributionEvents(body);
  }
}

export function webhookRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/v1/webhooks/:receiver', async (c) => {
    const deps = c.var.deps;
    const receiver = deps.config.receivers.find((r) => r.id === c.req.param('receiver'));
    if (!receiver) throw new AppError('NOT_FOUND', 'no such webhook receiver');
    await checkHeaderProof(c, deps, receiver);
    const raw = await readBodyBytes(c.req.raw, deps, MAX_BODY_BYTES);
    if (receiver.format === 'github') {
      // GitHub signs the raw body: HMAC-SHA256 with the webhook secret, compared in constant time.
      const expected = `sha256=${await hmacSha256Hex(receiver.secret, raw)}`;
      if (!constantTimeEqual(c.req.header('x-hub-signature-256') ?? '', expected))
        throw new AppError('UNAUTHENTICATED', 'the X-Hub-Signature-256 does not match the body');
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new AppError('UNKNOWN_EVENT_FORMAT', `the body is not JSON (receiver format: ${receiver.format})`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new AppError('UNKNOWN_EVENT_FORMAT', `the body is not a JSON object (receiver format: ${receiver.format})`);
    return c.json(await startPromotions(deps, receiver, await eventsOf(receiver, body, raw)), 202);
  });
  return app;
}
