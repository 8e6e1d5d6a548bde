// Node entry: @hono/node-server, KV in SQLite (better-sqlite3) under FERRY_STATE_DIR.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { SqliteKv } from '../src/kv/sqlite.js';
import { SqlState, preparedRunner } from '../src/state/sql.js';
import { nodeFetch } from './node-fetch.js';
import { buildApp, purgeExpiredEveryMinute } from './shared.js';

const stateDir = process.env.FERRY_STATE_DIR ?? '.ferry/node';
mkdirSync(stateDir, { recursive: true });
const db = new Database(join(stateDir, 'kv.sqlite'));
db.pragma('journal_mode = WAL');
// Processes sharing the state directory take turns at the file instead of failing on a lock.
db.pragma('busy_timeout = 5000');
const hostname = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8787);
const state = new SqlState(preparedRunner(db));
purgeExpiredEveryMinute(state);
const { app, deps, announce } = buildApp({
  runtime: 'node',
  hostname,
  kv: new SqliteKv(db),
  state,
  env: (name) => process.env[name],
  fetch: nodeFetch,
});
// The request (headers and body) must arrive within the body deadline plus a margin, or the socket is
// closed: a sender trickling bytes cannot hold connections. The response may take as long as it needs
// (a copy answered as one JSON result sends nothing until it is done): Node's requestTimeout does not
// cover it. Sockets are checked every second, so the cut comes on time.
const requestTimeout = deps.config.limits.bodyTimeoutMs + 4000;
const server = serve(
  {
    fetch: app.fetch,
    hostname,
    port,
    serverOptions: {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, 60_000),
      connectionsCheckingInterval: 1000,
    },
  },
  () => announce(`http://${hostname}:${port}`),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
