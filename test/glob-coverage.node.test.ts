// Whether a grant's glob covers a rule's glob (security review B1: an admin may write a rule only within
// its own repositories): segment by segment at least as wide; a target template counts as prefix/**.

import { describe, expect, it } from 'vitest';
import { globCovers, templateGlob } from '../src/policy.js';

describe('glob coverage', () => {
  it.each([
    ['r/team-a/**', 'r/team-a/**', true],
    ['r/team-a/**', 'r/team-a/app', true],
    ['r/team-a/**', 'r/team-a/x/*', true],
    ['r/**', 'r/team-a/**', true],
    ['**/**', 'r/x', true],
    ['r/team-a/*', 'r/team-a/**', false],
    ['r/team-a/*', 'r/team-a/app', true],
    ['r/team-a/*', 'r/team-a/x/y', false],
    ['r/team-a/**', 'r/team-b/app', false],
    ['r/team-a/**', 'r/team-ab/app', false],
    ['r/team-*/app', 'r/team-a/app', true],
    ['r/team-a/app', 'r/team-*/app', false],
    ['r/team-a*/app', 'r/team-a-x*/app', true],
    ['docker.io/library/*', 'registry-1.docker.io/library/alpine', true],
    ['r/team-a/**', templateGlob('r/team-a/{repository}'), true],
    ['r/team-a/*', templateGlob('r/team-a/{repository}'), false],
  ])('%s covers %s: %s', (wide, narrow, expected) => {
    expect(globCovers(wide, narrow)).toBe(expected);
  });
});
