// Bun entry: Bun.serve with no idle timeout (a long copy may send nothing for minutes), KV in bun:sqlite.

import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { SqliteKv } from '../src/kv/sqlite.js';
import { SqlState, preparedRunner } from '../src/state/sql.js';
import { buildApp } from './shared.js';

declare const Bun: { serve(options: Record<string, unknown>): { hostname: string; port: number }; env: Record<string, string | undefined> };

const stateDir = Bun.env.FERRY_STATE_DIR ?? '.ferry/bun';
mkdirSync(stateDir, { recursive: true });
const db = new Database(`${stateDir}/kv.sqlite`, { create: true });
db.exec('PRAGMA journal_mode = WAL');
db.exec('PRAGMA busy_timeout = 5000');
const { app, announce } = buildApp({ runtime: 'bun', kv: new SqliteKv(db), state: new SqlState(preparedRunner(db)), env: (name) => Bun.env[name] });
const server = Bun.serve({
  hostname: Bun.env.HOST ?? '127.0.0.1',
  port: Number(Bun.env.PORT ?? 8787),
  fetch: app.fetch,
  idleTimeout: 0,
});
announce(`http://${server.hostname}:${server.port}`);
