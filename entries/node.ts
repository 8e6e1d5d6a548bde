// Node entry: @hono/node-server, KV in SQLite (better-sqlite3) under FERRY_STATE_DIR.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { SqliteKv } from '../src/kv/sqlite.js';
import { SqlState, preparedRunner } from '../src/state/sql.js';
import { nodeFetch } from './node-fetch.js';
import { buildApp } from './shared.js';

const stateDir = process.env.FERRY_STATE_DIR ?? '.ferry/node';
mkdirSync(stateDir, { recursive: true });
const db = new Database(join(stateDir, 'kv.sqlite'));
db.pragma('journal_mode = WAL');
// Processes sharing the state directory take turns at the file instead of failing on a lock.
db.pragma('busy_timeout = 5000');
const { app, announce } = buildApp({ runtime: 'node', kv: new SqliteKv(db), state: new SqlState(preparedRunner(db)), env: (name) => process.env[name], fetch: nodeFetch });
const hostname = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8787);
const server = serve({ fetch: app.fetch, hostname, port }, () => announce(`http://${hostname}:${port}`));
// A copy answered as one JSON result sends nothing until it is done: no idle cut-off on our side.
(server as unknown as { requestTimeout: number; headersTimeout: number }).requestTimeout = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
