// Security review B4: a caller's tag pattern ran in JavaScript's backtracking engine, and "(a+)+b" against
// a 31-character tag held the process for 6 s. Every pattern a user writes (copies, rules) now runs in
// RE2 (re2js), linear in the input; what RE2 cannot run (backreferences, lookaround) is a 400 with the
// reason. Timings of the engine itself are in `npm run bench`.

import { describe, expect, inject, it } from 'vitest';
import { compilePattern } from '../src/patterns.js';
import { runCopy, uniqueRepository } from './support/copying.js';
import { makeService } from './support/service.js';
import { localRegistries } from './support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

// The review's patterns, and the tags that make a backtracking engine explode on them.
const HOSTILE: [string, string[]][] = [
  ['(a+)+b', Array.from({ length: 5000 }, (_, i) => 'a'.repeat(20 + (i % 108)))],
  [
    'sha256-(?:[0-9a-f]+)+\\.att',
    Array.from({ length: 5000 }, (_, i) => `sha256-${i.toString(16).padStart(64, 'f')}.sig`),
  ],
];

describe('user patterns run in linear time', () => {
  it("the review's patterns over 10,000 hostile tags finish (a backtracking engine would not within this test's timeout)", () => {
    let matched = 0;
    for (const [pattern, tags] of HOSTILE) {
      const compiled = compilePattern(pattern);
      for (const tag of tags) if (compiled.found(tag)) matched++;
    }
    expect(matched).toBe(0);
  }, 20_000);

  it('a copy with {"regex": "(a+)+b"} against a hostile tag list answers at once', async () => {
    const service = makeService({
      registries: {
        [fixture.faultProxy]: {
          insecure: true,
          headers: { 'x-ferry-fault': 'hostile-tags', 'x-ferry-fault-arg': 'a'.repeat(120) },
        },
        [target]: { insecure: true },
      },
    });
    const run = await runCopy(
      service,
      {
        source: `${fixture.faultProxy}/ferry-test/v2s2`,
        target: `${target}/${uniqueRepository('redos')}`,
        tags: { regex: '(a+)+b' },
      },
      'application/json',
    );
    expect(run.status, JSON.stringify(run.final)).toBe(422);
    expect(run.final.code).toBe('NO_TAGS_MATCHED');
  }, 20_000);

  it('a pattern RE2 cannot run is a 400 with the reason, in copies and in rules (JavaScript would have accepted it)', async () => {
    const service = makeService({ registries: localRegistries(source, target) });
    const run = await runCopy(
      service,
      { source: `${source}/ferry-test/v2s2`, target: `${target}/x`, tags: { regex: '(a)\\1' } },
      'application/json',
    );
    expect(run.status).toBe(400);
    expect(run.final.detail).toMatch(/tags\.regex: .*RE2/);
    const put = await service.app.request('/v1/rules/backref', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: { repository: `${target}/staging/**`, tags: { regex: '(?=v)v1' } },
        targets: [{ repository: `${target}/prod/app`, tags: ['{tag}'] }],
      }),
    });
    expect(put.status).toBe(400);
    expect(((await put.json()) as { detail: string }).detail).toContain('source.tags.regex');
  });
});
