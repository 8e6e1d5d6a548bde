// Tag patterns (security review B4): the review's patterns against 10,000 hostile tags in RE2 (what Ferry
// runs), next to JavaScript's backtracking engine on ever longer tags until one match takes 100 ms.

import { compilePattern } from '../src/patterns.js';

export interface PatternTiming {
  pattern: string;
  tags: number;
  re2Ms: number;
  /** The shortest hostile tag for which one backtracking match took at least 100 ms, and how long. */
  backtracking: { tagLength: number; ms: number };
}

const CASES: { pattern: string; tag: (n: number) => string; tags: () => string[] }[] = [
  {
    pattern: '(a+)+b',
    tag: (n) => 'a'.repeat(n),
    tags: () => Array.from({ length: 10_000 }, (_, i) => 'a'.repeat(20 + (i % 108))),
  },
  {
    pattern: 'sha256-(?:[0-9a-f]+)+\\.att',
    tag: (n) => `sha256-${'f'.repeat(n)}.sig`,
    tags: () => Array.from({ length: 10_000 }, (_, i) => `sha256-${i.toString(16).padStart(64, 'f')}.sig`),
  },
];

export function timePatterns(): PatternTiming[] {
  return CASES.map(({ pattern, tag, tags }) => {
    const list = tags();
    const compiled = compilePattern(pattern);
    const started = performance.now();
    for (const t of list) compiled.found(t);
    const re2Ms = performance.now() - started;
    const native = new RegExp(`^(?:${pattern})$`);
    let backtracking = { tagLength: 0, ms: 0 };
    for (let n = 10; n <= 40; n++) {
      const t0 = performance.now();
      native.test(tag(n));
      const ms = performance.now() - t0;
      backtracking = { tagLength: n, ms };
      if (ms >= 100) break;
    }
    return { pattern, tags: list.length, re2Ms, backtracking };
  });
}
