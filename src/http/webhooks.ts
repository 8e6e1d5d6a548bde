// POST /v1/webhooks/<receiver>: registry events in, promotion jobs out. The receiver's own proof stands in
// for caller authentication (the sender is a registry, not a caller with a key).

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { acrEvents, distributionEvents, dockerHubEvents, githubEvents, harborEvents, pubsubEvents, quayEvents, startPromotions } from '../ops/webhook.js';
import { BodyTooLargeError, readLimited } from '../registry/body.js';
import { computeDigest } from '../registry/digest.js';
import type { AppEnv } from './app-env.js';
import { constantTimeEqual, verifyIssuerToken } from './auth.js';

// Registry notifications are small; distribution batches a few events per envelope.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

async function hmacSha256Hex(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, body as BufferSource));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function webhookRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/v1/webhooks/:receiver', async (c) => {
    const deps = c.var.deps;
    const receiver = deps.config.receivers.find((r) => r.id === c.req.param('receiver'));
    if (!receiver) throw new AppError('NOT_FOUND', 'no such webhook receiver');
    let raw: Uint8Array;
    try {
      raw = await readLimited(c.req.raw, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw new AppError('PAYLOAD_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`);
      throw error;
    }
    if (receiver.format === 'github') {
      // GitHub signs the raw body: HMAC-SHA256 with the webhook secret, compared in constant time.
      const expected = `sha256=${await hmacSha256Hex(receiver.secret, raw)}`;
      if (!constantTimeEqual(c.req.header('x-hub-signature-256') ?? '', expected)) throw new AppError('UNAUTHENTICATED', 'the X-Hub-Signature-256 does not match the body');
    } else if (receiver.format === 'pubsub') {
      // Pub/Sub push signs a Google OIDC token for the subscription's audience.
      const token = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
      if (!token) throw new AppError('UNAUTHENTICATED', 'a Pub/Sub push needs its OIDC token');
      await verifyIssuerToken(deps, { ...receiver.token!, algorithms: ['RS256', 'ES256'], clockToleranceSeconds: 30, maxTokenAgeSeconds: 3600, jwksCooldownSeconds: 30 }, token);
    } else if (receiver.format === 'harbor') {
      // Harbor sends the configured auth header value as it is.
      if (!constantTimeEqual(c.req.header('authorization') ?? '', receiver.secret)) throw new AppError('UNAUTHENTICATED', "the webhook does not carry this receiver's secret");
    } else if (receiver.format === 'acr') {
      if (!constantTimeEqual(c.req.header(receiver.header!) ?? '', receiver.secret)) throw new AppError('UNAUTHENTICATED', `the webhook does not carry this receiver's ${receiver.header} header`);
    } else if (receiver.format === 'distribution' && !constantTimeEqual(c.req.header('authorization') ?? '', `Bearer ${receiver.secret}`)) {
      throw new AppError('UNAUTHENTICATED', "the webhook does not carry this receiver's secret");
    }
    // dockerhub and quay sign nothing: knowing the (long, random) receiver id in the path is the proof.
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new AppError('UNKNOWN_EVENT_FORMAT', `the body is not JSON (receiver format: ${receiver.format})`);
    }
    let events;
    if (receiver.format === 'github') {
      const delivery = c.req.header('x-github-delivery');
      if (!delivery) throw new AppError('INVALID_REQUEST', 'a GitHub delivery needs X-GitHub-Delivery');
      events = githubEvents(body, delivery);
    } else if (receiver.format === 'pubsub') events = pubsubEvents(body);
    else if (receiver.format === 'harbor') events = harborEvents(body);
    else if (receiver.format === 'acr') events = acrEvents(body);
    else if (receiver.format === 'dockerhub') events = dockerHubEvents(body);
    else if (receiver.format === 'quay') events = quayEvents(body, await computeDigest(raw));
    else events = distributionEvents(body);
    return c.json(await startPromotions(deps, receiver, events), 202);
  });
  return app;
}
