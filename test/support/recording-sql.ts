// A SqlRunner over better-sqlite3 that remembers every statement it ran, and the query plan of each: the
// index tests ask SQLite (EXPLAIN QUERY PLAN) how it answered what the store sent.

import type Database from 'better-sqlite3';
import { preparedRunner, type SqlRunner } from '../../src/state/sql.js';

type Param = string | number | null;

export function recordingRunner(db: Database.Database) {
  const inner = preparedRunner(db);
  const ran: { sql: string; params: Param[] }[] = [];
  const runner: SqlRunner = {
    // Statements that ran: one refused (a table this database never made) has no plan.
    all: (sql, ...params) => {
      const rows = inner.all(sql, ...params);
      ran.push({ sql, params });
      return rows;
    },
    run: (sql, ...params) => {
      const changed = inner.run(sql, ...params);
      ran.push({ sql, params });
      return changed;
    },
  };
  /** Each distinct statement that ran (by text and number of parameters), with SQLite's plan for it. */
  const plans = () =>
    [...new Map(ran.map((r) => [`${r.sql}\n${r.params.length}`, r])).values()].map(({ sql, params }) => ({
      sql: sql.replace(/\s+/g, ' ').slice(0, 160),
      plan: (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((p) => p.detail),
    }));
  return { runner, ran, plans };
}
