// The job index over SQLite answers every list through an index: no statement it runs, for any mix of the
// filters `GET /v1/jobs` and the console take, is planned with a SCAN (SQLite's EXPLAIN QUERY PLAN), and
// paging through it from cursor to cursor returns exactly the matching rows, newest first, each once.

import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { preparedRunner, SqlState } from '../../src/state/sql.js';
import { recordingRunner } from '../support/recording-sql.js';
import type { JobIndexQuery, JobIndexRow } from '../../src/state/job-index.js';

const STATES = ['queued', 'running', 'done', 'failed', 'cancelled'];

/** Rows of 5 owners, both kinds, 3 rules, batches of 4 parents, created a second apart. */
function rowsOf(count: number): JobIndexRow[] {
  return Array.from({ length: count }, (_, i) => {
    const created = new Date(Date.parse('2030-01-01T00:00:00Z') + i * 1000).toISOString();
    const promote = i % 4 === 0;
    return {
      id: `job-${String(i).padStart(5, '0')}`,
      owner: `key:owner-${i % 5}`,
      kind: promote ? 'promote' : 'copy',
      state: STATES[i % STATES.length]!,
      ...(promote ? { rule: `rule-${i % 3}` } : {}),
      ...(!promote && i % 7 === 0 ? { parent: `parent-${i % 4}` } : {}),
      createdAt: created,
      updatedAt: created,
      detail: JSON.stringify({ n: i }),
    };
  });
}

// Every mix of the filters the API takes, and the owner a caller without admin grants is narrowed to.
const QUERIES: Omit<JobIndexQuery, 'limit'>[] = [
  {},
  { owner: 'key:owner-1' },
  { state: 'running' },
  { kind: 'promote' },
  { rule: 'rule-2' },
  { parent: 'parent-0' },
  { owner: 'key:owner-2', state: 'failed' },
  { owner: 'key:owner-3', kind: 'promote' },
  { owner: 'key:owner-4', rule: 'rule-1' },
  { owner: 'key:owner-0', parent: 'parent-0' },
  { state: 'done', kind: 'copy' },
  { state: 'queued', rule: 'rule-0' },
  { owner: 'key:owner-1', state: 'done', kind: 'promote', rule: 'rule-1' },
];

it('every list query is answered from an index, never by a SCAN', async () => {
  const db = new Database(':memory:');
  const { runner, ran, plans: explained } = recordingRunner(db);
  const store = new SqlState(runner, () => Date.parse('2030-01-02T00:00:00Z'));
  for (const row of rowsOf(3000)) await store.jobIndex.put(row, 3600);
  db.exec('ANALYZE');
  ran.length = 0;
  for (const query of QUERIES) {
    const first = await store.jobIndex.list({ ...query, limit: 20 });
    await store.jobIndex.list({ ...query, limit: 20, ...(first.cursor ? { cursor: first.cursor } : {}) });
  }
  await store.jobIndex.put({ ...rowsOf(1)[0]!, state: 'done' }, 3600);
  store.purgeExpired(100);
  store.nextExpiry();
  const plans = explained();
  expect(plans.length).toBeGreaterThanOrEqual(QUERIES.length);
  expect(plans.filter((p) => p.plan.some((d) => /\bSCAN\b/.test(d)))).toEqual([]);
});

it('paging from cursor to cursor returns every matching row once, newest first, whatever the filters', async () => {
  const now = Date.parse('2030-01-02T00:00:00Z');
  const store = new SqlState(preparedRunner(new Database(':memory:')), () => now);
  const rows = rowsOf(2500);
  for (const row of rows) await store.jobIndex.put(row, 3600);
  for (const query of QUERIES) {
    const expected = rows
      .filter((r) => Object.entries(query).every(([column, value]) => r[column as keyof JobIndexRow] === value))
      .map((r) => r.id)
      .reverse();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.jobIndex.list({ ...query, limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.rows.length).toBeLessThanOrEqual(7);
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 1000);
    expect({ query, seen }).toEqual({ query, seen: expected });
  }
});

it('a row changes state in place, and an expired row is left out, then purged', async () => {
  let now = Date.parse('2030-01-02T00:00:00Z');
  const db = new Database(':memory:');
  const store = new SqlState(preparedRunner(db), () => now);
  const [a, b] = rowsOf(2);
  await store.jobIndex.put({ ...a!, state: 'running' }, 60);
  await store.jobIndex.put({ ...b!, state: 'running' }, 3600);
  await store.jobIndex.put({ ...a!, state: 'done', updatedAt: '2030-01-02T00:00:01.000Z' }, 60);
  expect((await store.jobIndex.list({ state: 'running', limit: 10 })).rows.map((r) => r.id)).toEqual([b!.id]);
  expect((await store.jobIndex.list({ state: 'done', limit: 10 })).rows).toEqual([
    { ...a!, state: 'done', updatedAt: '2030-01-02T00:00:01.000Z' },
  ]);
  now += 61_000;
  expect((await store.jobIndex.list({ limit: 10 })).rows.map((r) => r.id)).toEqual([b!.id]);
  expect((db.prepare('SELECT COUNT(*) AS n FROM ferry_jobs').get() as { n: number }).n).toBe(2);
  expect(store.purgeExpired(100)).toBe(1);
  expect((db.prepare('SELECT COUNT(*) AS n FROM ferry_jobs').get() as { n: number }).n).toBe(1);
});
