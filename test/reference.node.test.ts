// Reference parsing follows Docker's rules.

import { describe, expect, it } from 'vitest';
import { formatReference, parseReference, parseRepositoryName } from '../src/reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['alpine', { registry: 'registry-1.docker.io', repository: 'library/alpine', tag: 'latest' }],
    ['alpine:3.20', { registry: 'registry-1.docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['docker.io/library/alpine', { registry: 'registry-1.docker.io', repository: 'library/alpine', tag: 'latest' }],
    ['index.docker.io/alpine', { registry: 'registry-1.docker.io', repository: 'library/alpine', tag: 'latest' }],
    ['bitnami/redis:7', { registry: 'registry-1.docker.io', repository: 'bitnami/redis', tag: '7' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    ['localhost:5000/team/app:v1', { registry: 'localhost:5000', repository: 'team/app', tag: 'v1' }],
    ['127.0.0.1:5000/app@' + D, { registry: '127.0.0.1:5000', repository: 'app', digest: D }],
    ['ghcr.io/o/r:v1@' + D, { registry: 'ghcr.io', repository: 'o/r', tag: 'v1', digest: D }],
    ['Registry.Example.com/a/b', { registry: 'registry.example.com', repository: 'a/b', tag: 'latest' }],
    ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app', tag: 'latest' }],
    ['a/b__c/d-e.f:x_Y-1.0', { registry: 'registry-1.docker.io', repository: 'a/b__c/d-e.f', tag: 'x_Y-1.0' }],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['has space', 'whitespace'],
    ['team/App', 'lowercase'],
    ['a:b:c', 'invalid characters'],
    ['repo@sha256:xyz', 'sha256'],
    ['repo-', 'invalid characters'],
    [`${'a'.repeat(250)}/b`, '255'],
    ['host:99x/app', 'not a valid registry'],
    ['repo:-tag', 'invalid characters'],
  ])('%s is refused (%s)', (input, why) => {
    expect(() => parseReference(input)).toThrowError(
      expect.objectContaining({ code: 'INVALID_REFERENCE', message: expect.stringContaining(why) }),
    );
  });

  it('formats back to a canonical reference', () => {
    expect(formatReference(parseReference('alpine'))).toBe('registry-1.docker.io/library/alpine:latest');
    expect(formatReference(parseReference(`localhost:5000/a:t@${D}`))).toBe(`localhost:5000/a:t@${D}`);
  });
});

describe('parseRepositoryName', () => {
  it('takes names without tag or digest', () => {
    expect(parseRepositoryName('127.0.0.1:5000/a/b')).toEqual({ registry: '127.0.0.1:5000', repository: 'a/b' });
    expect(() => parseRepositoryName('a/b:v1')).toThrowError(/without a tag/);
    expect(() => parseRepositoryName(`a/b@${D}`)).toThrowError(/without a digest/);
  });
});
