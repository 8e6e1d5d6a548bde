// `ferry config check FILE` (what `npm run config:check` runs): the shipped command line, no compile, timed
// beside Node's own start (`node -e "new Response('')"`), the floor any Node command line pays.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ConfigCheckFigures {
  checkMs: number;
  nodeFloorMs: number;
  runs: number;
}

const run = (args: string[]) =>
  new Promise<number>((resolve, reject) => {
    const started = performance.now();
    execFile(process.execPath, args, (error) =>
      error && error.code !== 1 ? reject(error) : resolve(performance.now() - started),
    );
  });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchConfigCheck(dir: string, ferryCli: string, runs = 7): Promise<ConfigCheckFigures> {
  const file = join(dir, 'config-check.json');
  writeFileSync(
    file,
    JSON.stringify({
      registries: { 'ghcr.io': { credentials: { username: 'bot', password: { secret: 'GHCR_TOKEN' } } } },
      callers: { anonymous: true },
    }),
  );
  await run([ferryCli, 'config', 'check', file]); // the code cache written once, as on a user's machine
  const check: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    check.push(await run([ferryCli, 'config', 'check', file]));
    floor.push(await run(['-e', "new Response('')"]));
  }
  return { checkMs: median(check), nodeFloorMs: median(floor), runs };
}
