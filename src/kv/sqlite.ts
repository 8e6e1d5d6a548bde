// KvStore over SQLite: one table, TTL checked on read. Takes the database object, so the same adapter serves
// better-sqlite3 on Node and bun:sqlite on Bun (both offer prepare().get/run/all with positional parameters).

import type { KvListResult, KvPutOptions, KvStore } from './store.js';

export interface SqliteStatementLike {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDatabaseLike {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatementLike;
}

export class SqliteKv implements KvStore {
  readonly #get: SqliteStatementLike;
  readonly #put: SqliteStatementLike;
  readonly #delete: SqliteStatementLike;
  readonly #list: SqliteStatementLike;
  readonly #purge: SqliteStatementLike;
  readonly #now: () => number;

  constructor(db: SqliteDatabaseLike, now: () => number = Date.now) {
    this.#now = now;
    db.exec('CREATE TABLE IF NOT EXISTS ferry_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)');
    this.#get = db.prepare('SELECT value, expires_at FROM ferry_kv WHERE key = ?');
    this.#put = db.prepare('INSERT OR REPLACE INTO ferry_kv (key, value, expires_at) VALUES (?, ?, ?)');
    this.#delete = db.prepare('DELETE FROM ferry_kv WHERE key = ?');
    this.#list = db.prepare(
      'SELECT key FROM ferry_kv WHERE key >= ? AND key < ? AND key > ? AND (expires_at IS NULL OR expires_at > ?) ' +
        'ORDER BY key LIMIT ?',
    );
    this.#purge = db.prepare('DELETE FROM ferry_kv WHERE expires_at IS NOT NULL AND expires_at <= ?');
  }

  async get(key: string): Promise<string | null> {
    const row = this.#get.get(key) as { value: string; expires_at: number | null } | undefined | null;
    if (!row) return null;
    if (row.expires_at !== null && row.expires_at <= this.#now()) {
      this.#delete.run(key);
      return null;
    }
    return row.value;
  }

  async put(key: string, value: string, options: KvPutOptions = {}): Promise<void> {
    const expiresAt = options.ttlSeconds === undefined ? null : Math.round(this.#now() + options.ttlSeconds * 1000);
    this.#put.run(key, value, expiresAt);
  }

  async delete(key: string): Promise<void> {
    this.#delete.run(key);
  }

  async list(prefix: string, options: { cursor?: string; limit?: number } = {}): Promise<KvListResult> {
    const limit = options.limit ?? 1000;
    const now = this.#now();
    this.#purge.run(now);
    const rows = this.#list.all(prefix, `${prefix}\uffff`, options.cursor ?? '', now, limit + 1) as { key: string }[];
    const keys = rows.slice(0, limit).map((r) => r.key);
    return rows.length > limit ? { keys, cursor: keys[keys.length - 1]! } : { keys };
  }
}
