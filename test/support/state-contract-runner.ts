// Runs the state contract under Deno (Deno KV) or Bun (bun:sqlite) and prints the checks as JSON.
// deno run --unstable-kv --sloppy-imports -A test/support/state-contract-runner.ts deno <dir>
// bun run test/support/state-contract-runner.ts bun <dir>

import { runStateContract } from './state-contract.js';
import { DenoState, type DenoStateKvLike } from '../../src/state/deno.js';
import { SqlState, preparedRunner, type PreparingDatabase } from '../../src/state/sql.js';

declare const Deno: { openKv(path: string): Promise<DenoStateKvLike>; args: string[] };
declare const process: { argv: string[] };

const args = typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2);
const [runtime, dir] = args as [string, string];
const results = await runStateContract({
  fakeClock: true,
  async make(clock) {
    const path = `${dir}/state-${runtime}.sqlite`;
    if (runtime === 'deno') return new DenoState(await Deno.openKv(path), clock.now);
    const { Database } = (await import('bun:sqlite' as string)) as {
      Database: new (path: string) => PreparingDatabase;
    };
    return new SqlState(preparedRunner(new Database(path)), clock.now);
  },
});
console.log(JSON.stringify(results));
