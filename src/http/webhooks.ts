// POST /v1/webhooks/<receiver>: registry events in, promotion jobs out. The receiver's own proof stands in
// for caller authentication (the sender is a registry, not a caller with a key).

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { acceptDistributionEvents } from '../ops/webhook.js';
import type { AppEnv } from './app-env.js';
import { constantTimeEqual } from './auth.js';

// Registry notifications are small; distribution batches a few events per envelope.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function webhookRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/v1/webhooks/:receiver', async (c) => {
    const receiver = deps.config.receivers.find((r) => r.id === c.req.param('receiver'));
    if (!receiver) throw new AppError('NOT_FOUND', 'no such webhook receiver');
    const sent = c.req.header('authorization') ?? '';
    if (!constantTimeEqual(sent, `Bearer ${receiver.secret}`)) throw new AppError('UNAUTHENTICATED', 'the webhook does not carry this receiver\'s secret');
    const text = await c.req.text();
    if (text.length > MAX_BODY_BYTES) throw new AppError('INVALID_REQUEST', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AppError('INVALID_REQUEST', 'the body is not JSON');
    }
    return c.json(await acceptDistributionEvents(deps, receiver, body), 202);
  });
  return app;
}
