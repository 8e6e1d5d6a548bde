// Upstream deadlines (security review v2, B3): how long an inspect takes to answer UPSTREAM_TIMEOUT when
// its registry takes the connection and never answers, with a 1 s headers deadline (one retry: ~2 s), on
// the runtimes served as `npm start` and `npm run start:node` serve them.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startFerry, type Runtime } from '../test/support/ferry-process.js';

export interface DeadlineTiming {
  runtime: Runtime;
  code: string;
  phase: string;
  seconds: number;
}

export async function timeDeadlines(dir: string, runtimes: Runtime[]): Promise<DeadlineTiming[]> {
  const held: Socket[] = [];
  const silent = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const config = {
    registries: { [host]: { insecure: true } },
    upstream: { headersTimeoutSeconds: 1 },
    callers: { anonymous: true },
  };
  const timings: DeadlineTiming[] = [];
  try {
    for (const runtime of runtimes) {
      const state = mkdtempSync(join(dir, 'ferry-deadline-'));
      const ferry = await startFerry(config, {}, state, runtime);
      try {
        await (await fetch(`${ferry.base}/healthz`)).text();
        const started = performance.now();
        const answer = (await (await fetch(`${ferry.base}/v1/inspect/${host}/slow/app:v1`)).json()) as {
          code?: string;
          phase?: string;
        };
        timings.push({
          runtime,
          code: answer.code ?? 'none',
          phase: answer.phase ?? '',
          seconds: (performance.now() - started) / 1000,
        });
      } finally {
        await ferry.stop();
        rmSync(state, { recursive: true, force: true });
      }
    }
  } finally {
    for (const socket of held) socket.destroy();
    silent.close();
  }
  return timings;
}
