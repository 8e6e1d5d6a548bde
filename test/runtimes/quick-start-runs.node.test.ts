// The README's quick start, run as written (user-experience review v2, friction 2: its curl lines named a
// registry and an image the README never made). `npm start` with the local default on 127.0.0.1:8787, `npm run
// demo` for the registry on 127.0.0.1:5000, then each line of the README's "Try it" block, in order, through
// a shell: each prints every fragment of the `# prints` comment under it (fragments parted by " … ").

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const state = mkdtempSync(join(tmpdir(), 'ferry-quick-start-'));
let ferry: FerryProcess | undefined;
let demo: ChildProcess | undefined;
afterAll(async () => {
  if (demo?.pid) process.kill(-demo.pid, 'SIGTERM');
  await ferry?.stop();
  rmSync(state, { recursive: true, force: true });
});

interface Line {
  command: string;
  prints: string[];
}

/** The "Try it" block: its commands (continuation lines joined) and what each prints, but `npm run demo`. */
function tryItLines(): Line[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = readme.match(/```sh\nnpm run demo[^\n]*\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error('README: no ```sh block starting with npm run demo');
  const lines: Line[] = [];
  let pending = '';
  for (const raw of block.split('\n')) {
    if (!raw.trim()) continue;
    if (raw.startsWith('# prints ')) {
      lines.at(-1)!.prints.push(...raw.slice('# prints '.length).split(' … '));
      continue;
    }
    pending += raw.endsWith('\\') ? raw.slice(0, -1) : raw;
    if (raw.endsWith('\\')) continue;
    lines.push({ command: pending, prints: [] });
    pending = '';
  }
  return lines;
}

it('the quick start runs as the README writes it, each line printing what it says', async () => {
  const lines = tryItLines();
  expect(lines.length).toBeGreaterThan(4);
  ferry = await startFerry(undefined, { PORT: '8787' }, state, 'workerd');
  // npm start names the demo, for whoever has no registry at hand (a line printed just after it listens).
  for (let i = 0; i < 50 && !ferry.output().includes('npm run demo'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(ferry.output()).toContain('npm run demo');
  demo = spawn('npm', ['run', 'demo'], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  demo.stdout!.on('data', (c) => (said += c));
  demo.stderr!.on('data', (c) => (said += c));
  for (let i = 0; i < 300 && !said.includes('demo registry on'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(said).toContain('demo registry on 127.0.0.1:5000: team/app:v1@sha256:');
  for (const { command, prints } of lines) {
    const { stdout } = await promisify(execFile)('sh', ['-c', command], { cwd: root, timeout: 60_000 });
    for (const fragment of prints) expect(stdout, command).toContain(fragment);
  }
}, 180_000);
