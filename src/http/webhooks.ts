// POST /v1/webhooks/<receiver>: registry events in, promotion jobs out. The receiver's own proof stands in
// for caller authentication (the sender is a registry, not a caller with a key): ops/webhooks checks it
// (a proof in the headers before the body is read) and parses the sender's format. The body is capped and
// read within a deadline.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { receiveWebhook } from '../ops/webhooks/index.js';
import type { AppEnv } from './app-env.js';
import { readBodyBytes } from './body.js';

// Registry notifications are small; distribution batches a few events per envelope.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function webhookRoutes(_deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/v1/webhooks/:receiver', async (c) => {
    const deps = c.var.deps;
    const receiver = deps.config.receivers.find((r) => r.id === c.req.param('receiver'));
    if (!receiver) throw new AppError('NOT_FOUND', 'no such webhook receiver');
    const header = (name: string) => c.req.header(name) ?? '';
    const outcome = await receiveWebhook(deps, receiver, header, () => readBodyBytes(c.req.raw, deps, MAX_BODY_BYTES));
    return c.json(outcome, 202);
  });
  return app;
}
