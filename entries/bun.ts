// Bun entry: Bun.serve, KV in bun:sqlite. A request's body must arrive within the body deadline plus a
// margin (a per-request timeout); once it has, the response may take as long as it needs (a long copy
// may send nothing for minutes), so the timeout is lifted.

import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { SqliteKv } from '../src/kv/sqlite.js';
import { SqlState, preparedRunner } from '../src/state/sql.js';
import { bunFetch } from './pinned-fetch.js';
import { buildApp, purgeExpiredEveryMinute } from './shared.js';

interface BunServer {
  hostname: string;
  port: number;
  timeout(request: Request, seconds: number): void;
}
declare const Bun: { serve(options: Record<string, unknown>): BunServer; env: Record<string, string | undefined> };

const stateDir = Bun.env.FERRY_STATE_DIR ?? '.ferry/bun';
mkdirSync(stateDir, { recursive: true });
const db = new Database(`${stateDir}/kv.sqlite`, { create: true });
db.exec('PRAGMA journal_mode = WAL');
db.exec('PRAGMA busy_timeout = 5000');
const hostname = Bun.env.HOST ?? '127.0.0.1';
const state = new SqlState(preparedRunner(db));
purgeExpiredEveryMinute(state);
const { app, deps, announce } = buildApp({
  runtime: 'bun',
  hostname,
  kv: new SqliteKv(db),
  state,
  env: (name) => Bun.env[name],
  fetch: bunFetch,
});
const bodySeconds = Math.ceil(deps.config.limits.bodyTimeoutMs / 1000) + 5;

/** The request with its body watched: when the last byte is in, the connection may idle again. */
function timed(server: BunServer, request: Request): Request {
  if (!request.body) {
    server.timeout(request, 0);
    return request;
  }
  server.timeout(request, bodySeconds);
  const watched = request.body.pipeThrough(new TransformStream({ flush: () => server.timeout(request, 0) }));
  return new Request(request, { body: watched, duplex: 'half' } as RequestInit);
}

const server: BunServer = Bun.serve({
  hostname,
  port: Number(Bun.env.PORT ?? 8787),
  fetch: (request: Request) => app.fetch(timed(server, request)),
  idleTimeout: 0,
});
announce(`http://${server.hostname}:${server.port}`);
