// A room one can read: no source file in src/ over 400 lines, and no line of Ferry's code (src/, cli/,
// entries/, adapters/, worker.ts) over 120 columns. The formatter wraps code; strings and comments it leaves
// alone are wrapped by hand.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const MAX_LINES = 400;
const MAX_COLUMNS = 120;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|tsx|mjs|cjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

it(`no file in src/ is over ${MAX_LINES} lines`, () => {
  const long = sourceFiles(join(ROOT, 'src'))
    .map((file) => ({ file: relative(ROOT, file), lines: lineCount(readFileSync(file, 'utf8')) }))
    .filter((f) => f.lines > MAX_LINES);
  expect(long).toEqual([]);
});

it(`no line of src/, cli/, entries/, adapters/ or worker.ts is over ${MAX_COLUMNS} columns`, () => {
  const files = [
    ...['src', 'cli', 'entries', 'adapters'].flatMap((d) => sourceFiles(join(ROOT, d))),
    join(ROOT, 'worker.ts'),
  ];
  const wide = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => ([...line].length > MAX_COLUMNS ? [`${relative(ROOT, file)}:${i + 1}`] : [])),
  );
  expect(wide).toEqual([]);
});

it('the counts are what an editor shows', () => {
  expect(lineCount('a\nb\n')).toBe(2);
  expect(lineCount('a\nb')).toBe(2);
});
