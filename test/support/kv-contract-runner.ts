// Runs the KV contract under Deno (Deno KV) or Bun (bun:sqlite) and prints the checks as JSON.
// deno run --unstable-kv --sloppy-imports -A test/support/kv-contract-runner.ts deno <dir>
// bun run test/support/kv-contract-runner.ts bun <dir>

import { runKvContract } from './kv-contract.js';
import { DenoKv, type DenoKvLike } from '../../src/kv/deno.js';
import { SqliteKv, type SqliteDatabaseLike } from '../../src/kv/sqlite.js';

declare const Deno: { openKv(path: string): Promise<DenoKvLike>; args: string[] };
declare const process: { argv: string[] };

const args = typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2);
const [runtime, dir] = args as [string, string];
let n = 0;
const results = await runKvContract({
  fakeClock: true,
  async make(clock) {
    const path = `${dir}/contract-${n++}.sqlite`;
    if (runtime === 'deno') return new DenoKv(await Deno.openKv(path), clock.now);
    const { Database } = (await import('bun:sqlite' as string)) as {
      Database: new (path: string) => SqliteDatabaseLike;
    };
    return new SqliteKv(new Database(path), clock.now);
  },
});
console.log(JSON.stringify(results));
