// Security review B4: every pattern a user writes reaches only the linear-time engine (src/patterns.ts).
// Read from the sources: any other run-time RegExp must be built from escaped or constant text.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Every RegExp built at run time in src/ must come from a constant or an escaped glob, never from a user's
// pattern: this lists them, so a new one has to be looked at.
describe('no user pattern reaches the backtracking engine', () => {
  it('new RegExp(...) appears only where the text is escaped or constant', () => {
    const root = new URL('../src/', import.meta.url);
    const found: string[] = [];
    const walk = (dir: URL) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(new URL(`${entry.name}/`, dir));
        else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(new URL(entry.name, dir), 'utf8');
          for (const call of text.matchAll(/RegExp\(/g)) {
            // The statement from its line's start to the call's closing parenthesis, on one line (the
            // formatter may have wrapped it).
            const start = text.lastIndexOf('\n', call.index) + 1;
            let depth = 0;
            let end = call.index + 'RegExp'.length;
            do depth += text[end] === '(' ? 1 : text[end] === ')' ? -1 : 0;
            while (depth > 0 && ++end < text.length);
            const statement = text.slice(start, end + 1).replace(/\n\s*/g, '');
            found.push(`${new URL(entry.name, dir).pathname.split('/src/')[1]}: ${statement.trim()}`);
          }
        }
      }
    };
    walk(root);
    const allowed = [
      /^glob\.ts: return new RegExp\(`\^\$\{body\}\$`\)$/, // repository globs: every character but * escaped
      /^policy\.ts: .*new RegExp\(`\^\$\{wide\.split\('\*'\)\.map\(\(p\) => p\.replace/, // a grant glob segment, escaped the same way
      /^registry\/manifest\.ts: const MEDIA_TYPE = new RegExp\(/, // a constant
      /^http\/app\.ts: const pattern = new RegExp\(`\^\$\{route\.path/, // the app's own route paths, escaped
    ];
    expect(found.filter((line) => !allowed.some((a) => a.test(line)))).toEqual([]);
  });
});
