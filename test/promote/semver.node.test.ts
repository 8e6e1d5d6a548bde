// Semver ranges as promotion rules use them.

import { expect, it } from 'vitest';
import { parseSemver, satisfies } from '../../src/ops/promote/index.js';

const s = (t: string) => parseSemver(t)!;

it.each([
  ['1.2.3', '>=1.0.0', true],
  ['1.2.3-rc1', '>=1.0.0', false],
  ['1.2.3-rc1', '>=1.2.3-rc0', true],
  ['0.9.9', '>=1.0.0', false],
  ['1.9.0', '^1.2', true],
  ['2.0.0', '^1.2', false],
  ['0.2.5', '^0.2.3', true],
  ['0.3.0', '^0.2.3', false],
  ['1.2.9', '~1.2.3', true],
  ['1.3.0', '~1.2.3', false],
  ['1.4.2', '1.x', true],
  ['2.0.0', '1.x || >=3', false],
  ['3.1.0', '1.x || >=3', true],
  ['1.5.0', '>=1.0.0 <2.0.0', true],
  ['v1.2.3', '=1.2.3', true],
])('%s satisfies %s: %s', (version, range, expected) => {
  expect(satisfies(s(version), range)).toBe(expected);
});

it('parses only semantic versions', () => {
  expect(parseSemver('latest')).toBeUndefined();
  expect(parseSemver('1.2')).toBeUndefined();
  expect(parseSemver('1.2.3+build.5')).toMatchObject({ major: 1, minor: 2, patch: 3, prerelease: [] });
  expect(() => satisfies(s('1.0.0'), '>=banana')).toThrow();
});
