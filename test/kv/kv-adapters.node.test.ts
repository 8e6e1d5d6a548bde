// The SQLite and Deno KV adapters keep the KV contract on their own runtimes: better-sqlite3 here,
// bun:sqlite under Bun and Deno KV under Deno (each run as a child process).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { SqliteKv } from '../../src/kv/sqlite.js';
import { runKvContract, type ContractCheck } from '../support/kv-contract.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ferry-kv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('SqliteKv on better-sqlite3 (Node) keeps the contract', async () => {
  let n = 0;
  const results = await runKvContract({
    fakeClock: true,
    make: (clock) => new SqliteKv(new Database(join(dir, `node-${n++}.sqlite`)), clock.now),
  });
  expect(results.filter((r) => !r.ok)).toEqual([]);
});

it.each([
  ['bun', ['node_modules/.bin/bun', ['run', 'test/support/kv-contract-runner.ts', 'bun', dir]]],
  [
    'deno',
    [
      'node_modules/.bin/deno',
      ['run', '--quiet', '--unstable-kv', '--sloppy-imports', '-A', 'test/support/kv-contract-runner.ts', 'deno', dir],
    ],
  ],
] as const)(
  'the %s adapter keeps the contract on its runtime',
  async (_name, [command, args]) => {
    const { stdout } = await run(command, [...args], { maxBuffer: 16 * 1024 * 1024 });
    const results = JSON.parse(stdout.trim().split('\n').pop()!) as ContractCheck[];
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.length).toBeGreaterThan(10);
  },
  60_000,
);
