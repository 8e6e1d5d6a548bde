// A registry that is down is named with what failed (user-experience review v2, friction 2): skopeo says
// "dial tcp 127.0.0.1:5000: connect: connection refused"; workerd's fetch says only "Network connection lost",
// so under npm start Ferry asks a socket what happened before it answers.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { startFerry, type Runtime } from '../support/ferry-process.js';

it.each(['workerd', 'node'] as Runtime[])(
  '%s: a configured registry nobody listens on is refused as such, with its address',
  async (runtime) => {
    const down = `127.0.0.1:${await freePort()}`;
    const state = mkdtempSync(join(tmpdir(), `ferry-down-${runtime}-`));
    const ferry = await startFerry(
      { registries: { [down]: { insecure: true } }, callers: { anonymous: true } },
      {},
      state,
      runtime,
    );
    try {
      const res = await fetch(`${ferry.base}/v1/inspect/${down}/team/app:v1`);
      const body = (await res.json()) as { code: string; detail: string };
      expect(res.status).toBe(502);
      expect(body.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(body.detail).toContain(down);
      expect(body.detail).toMatch(/ECONNREFUSED|cannot connect/);
      expect(body.detail).not.toContain('Network connection lost');
    } finally {
      await ferry.stop();
      rmSync(state, { recursive: true, force: true });
    }
  },
  90_000,
);
