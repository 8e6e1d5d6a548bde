// The command line's live progress in a real terminal: tmux runs `ferry copy` (local mode) of a 3 MiB
// layer that the fault proxy paces to 1 MiB/s. pipe-pane records every byte drawn: at least two progress
// frames; the final screen (capture-pane) holds the result and no leftover of the live lines.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, inject, it } from 'vitest';
import { requireBinary } from '../support/binaries.js';
import { uniqueRepository } from '../support/copying.js';

const fixture = inject('fixture');
const FERRY = fileURLToPath(new URL('../../dist/cli/ferry.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ferry-tmux-'));
const socket = `ferry-test-${process.pid}`;
afterAll(() => {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  rmSync(dir, { recursive: true, force: true });
});

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

it('draws live progress frames and ends on a clean screen with the result', async () => {
  requireBinary('tmux');
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      registries: {
        [fixture.faultProxy]: {
          insecure: true,
          headers: { 'x-ferry-fault': 'slow-blob-get', 'x-ferry-fault-arg': String(1024 * 1024) },
        },
      },
    }),
  );
  const target = `${fixture.targets.anonymous.host}/${uniqueRepository('cli/tty')}:v1`;
  const go = join(dir, 'go');
  const raw = join(dir, 'raw.log');
  const command = `while [ ! -f ${go} ]; do sleep 0.05; done; ${process.execPath} ${FERRY} copy ${fixture.faultProxy}/ferry-test/large:v1 ${target} --platform linux/amd64 --config ${config}; echo "EXIT=$?"; sleep 60`;
  tmux(
    'new-session',
    '-d',
    '-s',
    'cli',
    '-x',
    '120',
    '-y',
    '30',
    `env -i PATH=${process.env.PATH} HOME=${dir} TERM=xterm-256color sh -c '${command}'`,
  );
  tmux('pipe-pane', '-o', '-t', 'cli', `cat >> ${raw}`);
  writeFileSync(go, '');
  const started = Date.now();
  let screen = '';
  while (Date.now() - started < 60_000) {
    screen = tmux('capture-pane', '-p', '-t', 'cli');
    if (screen.includes('EXIT=')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const elapsed = Date.now() - started;
  expect(screen, screen).toContain('EXIT=0');
  expect(elapsed).toBeGreaterThanOrEqual(3000);
  // Frames: each redraw writes the total line afresh; the bytes moved in it grow.
  const drawn = existsSync(raw) ? readFileSync(raw, 'utf8') : '';
  const totals = [
    ...drawn.matchAll(/(\d+)\/(\d+) blobs +([\d.]+ [KMG]?i?B) \/ ([\d.]+ [KMG]?i?B) +([\d.]+ [KMG]?i?B)\/s +ETA/g),
  ].map((m) => m[3]);
  expect(new Set(totals).size, drawn.slice(0, 2000)).toBeGreaterThanOrEqual(2);
  // The end: the result line, and nothing left of the live lines.
  const lines = screen
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean);
  expect(lines).toContain(
    `${target.replace(/:v1$/, '')}@${
      lines
        .find((l) => l.includes('@sha256:'))
        ?.split('@')[1]
        ?.split(' ')[0]
    } tagged v1`,
  );
  expect(screen).not.toMatch(/ETA|blobs +[\d.]+ |\/s /);
  expect(lines.at(-1)).toBe('EXIT=0');
}, 90_000);
