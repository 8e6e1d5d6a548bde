// `npm run start:node` compiles the entries first; with nothing changed that is a check, not a rebuild
// (entries/tsconfig.json builds incrementally): the compiled entry keeps its time stamp. The global setup
// has compiled them once already.

import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('a compile with no change writes nothing', () => {
  const before = statSync(`${root}dist/entries/node.js`).mtimeMs;
  execFileSync('npx', ['tsc', '-p', 'entries'], { cwd: root, encoding: 'utf8' });
  expect(statSync(`${root}dist/entries/node.js`).mtimeMs).toBe(before);
}, 120_000);
