// StateStore over SQLite. Every write is one statement, so it is atomic on its own: between two processes
// sharing a file (Node, Bun) and inside a Durable Object alike. The database is reached through `SqlRunner`,
// which each runtime implements in a few lines (better-sqlite3, bun:sqlite, Durable Object storage.sql).

import {
  DEFAULT_STATE_LIST_LIMIT,
  type StateEntry,
  type StateListOptions,
  type StateStore,
  type StateWriteOptions,
} from './store.js';
import { SqlJobIndex } from './sql-job-index.js';
import type { SqlRunner } from './sql-runner.js';

export type { SqlRunner } from './sql-runner.js';

// `labels` is no longer read or written (jobs are listed from their index, sql-job-index.ts); it stays so a
// database created before keeps working.
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ferry_state (
    key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER, labels TEXT NOT NULL)`,
  // Expired rows are found by this index, a batch at a time (purgeExpired), never by reading the table.
  'CREATE INDEX IF NOT EXISTS ferry_state_expiry ON ferry_state (expires_at) WHERE expires_at IS NOT NULL',
];

/** Expired rows purged by one call: a bounded piece of work, whatever the table holds. */
export const PURGE_BATCH = 500;

export class SqlState implements StateStore {
  readonly #sql: SqlRunner;
  readonly #now: () => number;
  readonly jobIndex: SqlJobIndex;

  constructor(sql: SqlRunner, now: () => number = Date.now) {
    this.#sql = sql;
    this.#now = now;
    for (const statement of SCHEMA) sql.run(statement);
    this.jobIndex = new SqlJobIndex(sql, now);
  }

  #expiry(options: StateWriteOptions): number | null {
    return options.ttlSeconds === undefined ? null : Math.round(this.#now() + options.ttlSeconds * 1000);
  }

  async get(key: string): Promise<StateEntry | null> {
    return this.getNow(key);
  }

  /** The synchronous form, for a caller that must not yield between statements (a Durable Object). */
  getNow(key: string): StateEntry | null {
    const row = this.#sql.all(
      'SELECT value, version FROM ferry_state WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)',
      key,
      this.#now(),
    )[0];
    return row ? { key, value: String(row.value), version: Number(row.version) } : null;
  }

  async create(key: string, value: string, options: StateWriteOptions = {}): Promise<boolean> {
    // An expired entry is taken over; a live one is left alone (no row changed).
    const changed = this.#sql.run(
      `INSERT INTO ferry_state (key, value, version, expires_at, labels) VALUES (?, ?, 1, ?, '')
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = 1, expires_at = excluded.expires_at
       WHERE ferry_state.expires_at IS NOT NULL AND ferry_state.expires_at <= ?`,
      key,
      value,
      this.#expiry(options),
      this.#now(),
    );
    return changed === 1;
  }

  async update(key: string, version: number, value: string, options: StateWriteOptions = {}): Promise<boolean> {
    const changed = this.#sql.run(
      `UPDATE ferry_state SET value = ?, version = version + 1, expires_at = ?
       WHERE key = ? AND version = ? AND (expires_at IS NULL OR expires_at > ?)`,
      value,
      this.#expiry(options),
      key,
      version,
      this.#now(),
    );
    return changed === 1;
  }

  async delete(key: string): Promise<void> {
    this.#sql.run('DELETE FROM ferry_state WHERE key = ?', key);
  }

  async list(prefix: string, options: StateListOptions = {}): Promise<{ entries: StateEntry[]; cursor?: string }> {
    const limit = options.limit ?? DEFAULT_STATE_LIST_LIMIT;
    const now = this.#now();
    const rows = this.#sql.all(
      `SELECT key, value, version FROM ferry_state
       WHERE key >= ? AND key < ? AND key > ? AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY key LIMIT ?`,
      prefix,
      `${prefix}\uffff`,
      options.cursor ?? '',
      now,
      limit + 1,
    );
    const entries = rows
      .slice(0, limit)
      .map((r) => ({ key: String(r.key), value: String(r.value), version: Number(r.version) }));
    return rows.length > limit ? { entries, cursor: entries[entries.length - 1]!.key } : { entries };
  }

  /**
   * Deletes up to `limit` expired entries and as many expired job index rows, those that expired first, and
   * says how many. Reads and lists already treat them as absent; this only gives their room back. Run off the
   * request path: a Durable Object's alarm, a timer on Node and Bun.
   */
  purgeExpired(limit = PURGE_BATCH): number {
    const entries = this.#sql.run(
      `DELETE FROM ferry_state WHERE key IN (SELECT key FROM ferry_state
         WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?)`,
      this.#now(),
      limit,
    );
    return entries + this.jobIndex.purgeExpired(limit);
  }

  /** When the next entry or job row expires (epoch ms), or null when none will: when a purge next has work. */
  nextExpiry(): number | null {
    const row = this.#sql.all('SELECT MIN(expires_at) AS at FROM ferry_state WHERE expires_at IS NOT NULL')[0];
    const entries = row?.at === null || row?.at === undefined ? null : Number(row.at);
    const jobs = this.jobIndex.nextExpiry();
    return entries === null ? jobs : jobs === null ? entries : Math.min(entries, jobs);
  }
}

/** The statement shape better-sqlite3 and bun:sqlite share. */
export interface PreparingDatabase {
  prepare(sql: string): { all(...params: unknown[]): unknown[]; run(...params: unknown[]): unknown };
}

/** SqlRunner over better-sqlite3 (Node) or bun:sqlite (Bun), with prepared statements reused. */
export function preparedRunner(db: PreparingDatabase): SqlRunner {
  const statements = new Map<string, ReturnType<PreparingDatabase['prepare']>>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  return {
    all: (sql, ...params) => prepared(sql).all(...params) as Record<string, unknown>[],
    run: (sql, ...params) => Number((prepared(sql).run(...params) as { changes?: number }).changes ?? 0),
  };
}
