// Security review B9 (servers), B11 and B12 (binds): what ships and how the servers are set up.
// - `wrangler deploy` carries no configuration: a deployed worker without FERRY_CONFIG refuses everyone.
// - The anonymous local default refuses to serve on a non-loopback address (npm start and the Node entry).
// - Slow bodies: each connection trickling its body is closed (408 or reset) within the body deadline
//   plus 5 s, on Node and Bun, while /healthz keeps answering.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { runUntilExit, startFerry, type Runtime } from '../support/ferry-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('B11: wrangler deploy --dry-run ships no FERRY_CONFIG (nor any other configuration var)', () => {
  const out = execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', '.tmp/dry-run-b11'], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    encoding: 'utf8',
  });
  expect(out).toMatch(/FERRY_STATE/);
  expect(out).not.toMatch(/FERRY_CONFIG/);
  expect(out).not.toMatch(/anonymous/);
}, 60_000);

describe('B12: anonymous callers are not served beyond loopback', () => {
  it.each([
    ['npm start', 'workerd'],
    ['the Node entry', 'node'],
  ] as [string, Runtime][])(
    '%s with HOST=0.0.0.0 and the anonymous default refuses to start',
    async (_name, runtime) => {
      const state = mkdtempSync(join(tmpdir(), 'ferry-bind-'));
      try {
        const { code, output } = await runUntilExit(runtime, {
          HOST: '0.0.0.0',
          PORT: String(await freePort()),
          FERRY_STATE_DIR: state,
        });
        expect(code, output).not.toBe(0);
        expect(code, output).not.toBeNull();
        expect(output).toContain('refusing to start');
        expect(output).not.toContain('ferry listening');
      } finally {
        rmSync(state, { recursive: true, force: true });
      }
    },
    90_000,
  );
});

describe('B9: slow bodies are cut by the server', () => {
  const DEADLINE_SECONDS = 2;
  const config = {
    registries: {},
    limits: { bodyTimeoutSeconds: DEADLINE_SECONDS },
    callers: { anonymous: true },
    webhooks: {
      receivers: { gh: { format: 'github', registry: 'registry.example.com', secret: 'slow-loris-secret-000' } },
    },
  };

  it.each(['node', 'bun'] as Runtime[])(
    '%s: 20 connections trickling a webhook body are each closed within the deadline + 5 s; /healthz answers meanwhile',
    async (runtime) => {
      const state = mkdtempSync(join(tmpdir(), `ferry-slow-${runtime}-`));
      const ferry = await startFerry(config, {}, state, runtime);
      const { port } = new URL(ferry.base);
      const sockets: Socket[] = [];
      try {
        const started = Date.now();
        const closedAfter = await Promise.all(
          Array.from(
            { length: 20 },
            () =>
              new Promise<number>((resolve) => {
                const socket = connect(Number(port), '127.0.0.1');
                sockets.push(socket);
                let done = false;
                const finish = () => {
                  if (done) return;
                  done = true;
                  clearInterval(trickle);
                  resolve(Date.now() - started);
                };
                socket.on('connect', () =>
                  socket.write(
                    `POST /v1/webhooks/gh HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"action":`,
                  ),
                );
                const trickle = setInterval(() => socket.writable && socket.write(' '), 1000);
                socket.on('data', (chunk) => chunk.toString().startsWith('HTTP/1.1 408') && finish());
                socket.on('close', finish);
                socket.on('error', finish);
              }),
          ),
        );
        const health = await fetch(`${ferry.base}/healthz`);
        expect(health.status).toBe(200);
        for (const ms of closedAfter)
          expect(ms, ferry.output().slice(-2000)).toBeLessThanOrEqual((DEADLINE_SECONDS + 5) * 1000);
      } finally {
        for (const s of sockets) s.destroy();
        await ferry.stop();
        rmSync(state, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
