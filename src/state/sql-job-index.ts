// The job index over SQLite (Node, Bun, the job-index Durable Object): a table with real columns and an
// index per way jobs are listed, each ending in the row's place, so a page is one index range read from the
// cursor down. Queries name their index (INDEXED BY): the plan never depends on the planner's statistics.

import {
  chooseIndex,
  FIRST_PLACE,
  JOB_INDEX_EXAMINED,
  JOB_INDEXES,
  jobOrder,
  type JobIndex,
  type JobIndexPage,
  type JobIndexQuery,
  type JobIndexRow,
} from './job-index.js';
import type { SqlRunner } from './sql-runner.js';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ferry_jobs (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, rule TEXT, parent TEXT,
    created TEXT NOT NULL, updated TEXT NOT NULL, place TEXT NOT NULL, expires_at INTEGER NOT NULL,
    detail TEXT NOT NULL)`,
  ...JOB_INDEXES.map(
    (i) => `CREATE INDEX IF NOT EXISTS ferry_jobs_${i.name} ON ferry_jobs (${[...i.columns, 'place'].join(', ')})`,
  ),
  'CREATE INDEX IF NOT EXISTS ferry_jobs_expiry ON ferry_jobs (expires_at)',
];

const COLUMNS = 'id, owner, kind, state, rule, parent, created, updated, detail, place';

export class SqlJobIndex implements JobIndex {
  readonly #sql: SqlRunner;
  readonly #now: () => number;

  #ready = false;

  constructor(sql: SqlRunner, now: () => number = Date.now) {
    this.#sql = sql;
    this.#now = now;
  }

  /**
   * The table and its indexes, made on first use: only the object that holds the index has them (on Workers
   * every job's own object shares this code, and a schema costs rows written and storage in each).
   */
  #schema(): boolean {
    if (!this.#ready) for (const statement of SCHEMA) this.#sql.run(statement);
    return (this.#ready = true);
  }

  /** `read` of the index, or `absent` where this database never held it (a purge elsewhere has nothing to do). */
  #ifPresent<T>(read: () => T, absent: T): T {
    try {
      return read();
    } catch (error) {
      if (!this.#ready && error instanceof Error && /no such table/i.test(error.message)) return absent;
      throw error;
    }
  }

  async put(row: JobIndexRow, ttlSeconds: number): Promise<void> {
    this.putNow(row, ttlSeconds);
  }

  /** The synchronous form: many rows in one Durable Object call (the benchmark builds its million so). */
  putNow(row: JobIndexRow, ttlSeconds: number): void {
    this.#schema();
    this.#sql.run(
      `INSERT INTO ferry_jobs (id, owner, kind, state, rule, parent, created, updated, place, expires_at, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated = excluded.updated,
         expires_at = excluded.expires_at, detail = excluded.detail`,
      row.id,
      row.owner,
      row.kind,
      row.state,
      row.rule ?? null,
      row.parent ?? null,
      row.createdAt,
      row.updatedAt,
      jobOrder(row),
      Math.round(this.#now() + ttlSeconds * 1000),
      row.detail,
    );
  }

  async list(query: JobIndexQuery): Promise<JobIndexPage> {
    return this.listNow(query);
  }

  listNow(query: JobIndexQuery): JobIndexPage {
    this.#schema();
    const { index, filters } = chooseIndex(query);
    const from = `FROM ferry_jobs INDEXED BY ferry_jobs_${index.name}`;
    const keyed = [...index.columns.map((c) => `${c} = ?`), 'place < ?'].join(' AND ');
    const keys = [...index.columns.map((c) => query[c]!), query.cursor ?? FIRST_PLACE];
    // Filtered on columns the index does not hold: read at most JOB_INDEX_EXAMINED rows of it. `floor` is
    // the place of the last of them (null when fewer are left), where the next page starts if this one
    // comes out short.
    let floor: string | null = null;
    if (filters.length) {
      const last = this.#sql.all(
        `SELECT place ${from} WHERE ${keyed} ORDER BY place DESC LIMIT 1 OFFSET ?`,
        ...keys,
        JOB_INDEX_EXAMINED - 1,
      )[0];
      floor = last ? String(last.place) : null;
    }
    const rows = this.#sql.all(
      `SELECT ${COLUMNS} ${from}
       WHERE ${keyed} AND place >= ? AND expires_at > ? ${filters.map(([c]) => `AND ${c} = ?`).join(' ')}
       ORDER BY place DESC LIMIT ?`,
      ...keys,
      floor ?? '',
      this.#now(),
      ...filters.map(([, value]) => value),
      query.limit + 1,
    );
    const page = rows.slice(0, query.limit).map(rowOf);
    if (rows.length > query.limit) return { rows: page, cursor: String(rows[query.limit - 1]!.place) };
    return floor === null ? { rows: page } : { rows: page, cursor: floor };
  }

  /** Deletes up to `limit` expired rows, those that expired first; says how many. */
  purgeExpired(limit: number): number {
    return this.#ifPresent(() => this.#purge(limit), 0);
  }

  #purge(limit: number): number {
    return this.#sql.run(
      `DELETE FROM ferry_jobs WHERE id IN (SELECT id FROM ferry_jobs INDEXED BY ferry_jobs_expiry
         WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
      this.#now(),
      limit,
    );
  }

  /** When the next row expires (epoch ms), or null when the index is empty. */
  nextExpiry(): number | null {
    const row = this.#ifPresent(() => this.#sql.all('SELECT MIN(expires_at) AS at FROM ferry_jobs')[0], undefined);
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }
}

function rowOf(r: Record<string, unknown>): JobIndexRow {
  return {
    id: String(r.id),
    owner: String(r.owner),
    kind: String(r.kind),
    state: String(r.state),
    ...(r.rule === null || r.rule === undefined ? {} : { rule: String(r.rule) }),
    ...(r.parent === null || r.parent === undefined ? {} : { parent: String(r.parent) }),
    createdAt: String(r.created),
    updatedAt: String(r.updated),
    detail: String(r.detail),
  };
}
