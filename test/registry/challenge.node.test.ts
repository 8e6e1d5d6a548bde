// WWW-Authenticate parsing (RFC 7235): quoted values, escapes, several challenges in one header.

import { expect, it } from 'vitest';
import { parseWwwAuthenticate } from '../../src/registry/challenge.js';

it('parses a Docker Hub Bearer challenge', () => {
  expect(
    parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
    ),
  ).toEqual([
    {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/alpine:pull',
      },
    },
  ]);
});

it('parses several challenges, unquoted values and escapes', () => {
  expect(
    parseWwwAuthenticate(
      'Basic realm="a \\"b\\"", Bearer realm=https://x/t, error="insufficient_scope",scope="repository:a:pull,push"',
    ),
  ).toEqual([
    { scheme: 'basic', params: { realm: 'a "b"' } },
    {
      scheme: 'bearer',
      params: { realm: 'https://x/t', error: 'insufficient_scope', scope: 'repository:a:pull,push' },
    },
  ]);
});

it('returns nothing for an empty or missing header', () => {
  expect(parseWwwAuthenticate(null)).toEqual([]);
  expect(parseWwwAuthenticate('')).toEqual([]);
});

it('keeps a scheme with no parameters', () => {
  expect(parseWwwAuthenticate('Negotiate')).toEqual([{ scheme: 'negotiate', params: {} }]);
});
