// The SQLite and Deno KV state adapters keep the state contract on their own runtimes: better-sqlite3
// here, bun:sqlite under Bun and Deno KV under Deno (each run as a child process).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { SqlState, preparedRunner } from '../../src/state/sql.js';
import { runStateContract, type StateCheck } from '../support/state-contract.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ferry-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('SqlState on better-sqlite3 (Node) keeps the state contract', async () => {
  const results = await runStateContract({
    fakeClock: true,
    make: (clock) => new SqlState(preparedRunner(new Database(join(dir, 'node.sqlite'))), clock.now),
  });
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.length).toBeGreaterThan(20);
});

it('two connections to one SQLite file: concurrent creates and compare-and-sets each have one winner', async () => {
  const path = join(dir, 'shared.sqlite');
  const [one, two] = [new Database(path), new Database(path)];
  for (const db of [one, two]) db.pragma('journal_mode = WAL');
  const a = new SqlState(preparedRunner(one));
  const b = new SqlState(preparedRunner(two));
  const created = await Promise.all([a.create('g|k', 'a'), b.create('g|k', 'b')]);
  expect(created.filter(Boolean)).toHaveLength(1);
  const updated = await Promise.all([a.update('g|k', 1, 'a2'), b.update('g|k', 1, 'b2')]);
  expect(updated.filter(Boolean)).toHaveLength(1);
  expect((await a.get('g|k'))?.version).toBe(2);
});

it.each([
  ['bun', ['node_modules/.bin/bun', ['run', 'test/support/state-contract-runner.ts', 'bun', dir]]],
  [
    'deno',
    [
      'node_modules/.bin/deno',
      [
        'run',
        '--quiet',
        '--unstable-kv',
        '--sloppy-imports',
        '-A',
        'test/support/state-contract-runner.ts',
        'deno',
        dir,
      ],
    ],
  ],
] as const)(
  'the %s state adapter keeps the contract on its runtime',
  async (_name, [command, args]) => {
    const { stdout } = await run(command, [...args], { maxBuffer: 16 * 1024 * 1024 });
    const results = JSON.parse(stdout.trim().split('\n').pop()!) as StateCheck[];
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.length).toBeGreaterThan(20);
  },
  60_000,
);
