// The SQLite state store (Node, Bun, and a Durable Object's storage) answers every statement through an index:
// no statement it runs is planned as a SCAN of the table (SQLite's EXPLAIN QUERY PLAN), and expired entries
// are purged in bounded batches by their indexed expiry, outside any request's path: a list writes nothing.

import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { SqlState } from '../../src/state/sql.js';
import { recordingRunner } from '../support/recording-sql.js';

it('no statement the store runs is planned as a scan of its table', async () => {
  const db = new Database(':memory:');
  const { runner, ran, plans: explained } = recordingRunner(db);
  let now = Date.parse('2030-01-01T00:00:00Z');
  const store = new SqlState(runner, () => now);
  // Enough rows that the planner would rather use an index than read them all.
  for (let i = 0; i < 300; i++)
    await store.create(`jobs|${String(i).padStart(4, '0')}`, '{}', {
      ttlSeconds: i % 2 ? 60 : 3600,
    });
  db.exec('ANALYZE');
  now += 120_000;
  ran.length = 0;
  await store.get('jobs|0001');
  await store.create('jobs|new', '{}', { ttlSeconds: 60 });
  await store.update('jobs|new', 1, '{"a":1}', { ttlSeconds: 60 });
  await store.list('jobs|');
  await store.list('jobs|', { cursor: 'jobs|0100', limit: 10 });
  await store.delete('jobs|new');
  store.purgeExpired(100);
  store.nextExpiry();
  const plans = explained();
  expect(plans.length).toBeGreaterThanOrEqual(6);
  expect(plans.filter((p) => p.plan.some((d) => /^SCAN /.test(d) && !/USING (COVERING )?INDEX/.test(d)))).toEqual([]);
});

it('expired entries are purged in bounded batches, and a list writes nothing', async () => {
  const db = new Database(':memory:');
  const { runner, ran } = recordingRunner(db);
  let now = Date.parse('2030-01-01T00:00:00Z');
  const store = new SqlState(runner, () => now);
  for (let i = 0; i < 250; i++) await store.create(`audit|${i}`, 'x', { ttlSeconds: 1 });
  await store.create('audit|kept', 'y', { ttlSeconds: 3600 });
  await store.create('audit|forever', 'z');
  expect(store.nextExpiry()).toBe(now + 1000);
  now += 2000;

  ran.length = 0;
  expect((await store.list('audit|')).entries.map((e) => e.key)).toEqual(['audit|forever', 'audit|kept']);
  expect(ran.filter((r) => /^\s*(DELETE|UPDATE|INSERT)/i.test(r.sql))).toEqual([]);
  const rows = () => (db.prepare('SELECT COUNT(*) AS n FROM ferry_state').get() as { n: number }).n;
  expect(rows()).toBe(252); // expired, not yet purged: absent all the same

  expect([store.purgeExpired(100), store.purgeExpired(100), store.purgeExpired(100)]).toEqual([100, 100, 50]);
  expect(store.purgeExpired(100)).toBe(0);
  expect(rows()).toBe(2);
  expect(store.nextExpiry()).toBe(now - 2000 + 3600_000);
});
