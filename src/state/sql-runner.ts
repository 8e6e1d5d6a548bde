// How the SQLite stores reach their database: each runtime implements it in a few lines (better-sqlite3,
// bun:sqlite, a Durable Object's storage.sql).

export interface SqlRunner {
  /** Runs a statement and returns its rows. */
  all(sql: string, ...params: (string | number | null)[]): Record<string, unknown>[];
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, ...params: (string | number | null)[]): number;
}
