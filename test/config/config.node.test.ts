// Configuration parsing: credentials by secret name, normalised hosts, and clear errors.

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';

describe('parseConfig', () => {
  it('resolves secrets by name and normalises Docker Hub', () => {
    const config = parseConfig(
      {
        registries: {
          'docker.io': {
            credentials: { username: 'me', password: { secret: 'HUB_TOKEN' } },
            mirrors: ['https://mirror.example.com/'],
          },
        },
      },
      (name) => (name === 'HUB_TOKEN' ? 's3cret' : undefined),
    );
    const hub = config.registries.get('registry-1.docker.io');
    expect(hub?.credentials).toEqual({ username: 'me', password: 's3cret' });
    expect(hub?.mirrors).toEqual(['https://mirror.example.com']);
    expect(config.tagTtlSeconds).toBe(60);
    expect(config.allowPublicRegistries).toBe(false);
    expect(config.jobStaleAfterMs).toBe(90_000);
  });

  it.each([
    [
      { registries: { 'a.io': { credentials: { username: 'u', password: { secret: 'MISSING' } } } } },
      'secret "MISSING" is not set',
    ],
    [{ registries: { 'a.io': { insecrue: true } } }, 'unknown field "insecrue"'],
    [{ registries: { 'a.io': { headers: { Authorization: 'x' } } } }, 'not an Authorization header'],
    [{ registries: { 'a.io': { mirrors: ['ftp://m'] } } }, 'only http(s)'],
    [{ registries: { 'https://a.io': {} } }, 'expected host[:port]'],
    [{ cache: { tagTtlSeconds: -1 } }, 'tagTtlSeconds'],
    [{ jobs: { staleAfterSeconds: 1 } }, 'jobs.staleAfterSeconds: expected seconds >= 3'],
    [{ jobs: { staleAfter: 10 } }, 'unknown field "staleAfter"'],
    ['{not json', 'not valid JSON'],
    [
      {
        promotion: {
          rules: [
            {
              name: 'r',
              source: { repository: 'a.io/x/*' },
              targets: [{ repository: 'a.io/y', tags: ['{tag}'] }],
              requireSignatures: true,
            },
          ],
        },
      },
      'promotion.rules[0]: unknown field "requireSignatures"',
    ],
    [
      { callers: { grants: [{ apiKey: 'k', actions: ['inspect'], repositories: ['a.io/**'], repository: 'x' }] } },
      'callers.grants[0]: unknown field "repository"',
    ],
    [
      { webhooks: { receivers: { r: { format: 'github', registry: 'a.io', secret: 'x'.repeat(20), secrett: 'y' } } } },
      'webhooks.receivers.r: unknown field "secrett"',
    ],
    [{ limits: { indexChildren: 0 } }, 'limits.indexChildren'],
    [
      {
        promotion: {
          rules: [
            {
              name: 'r',
              source: { repository: 'a.io/x/*', tags: { match: 'v1' } },
              targets: [{ repository: 'a.io/y', tags: ['{tag}'] }],
            },
          ],
        },
      },
      'promotion.rules[0].source.tags.match: renamed to "regex"',
    ],
    [{ copy: { syncBudget: { subrequest: 1 } } }, 'copy.syncBudget: unknown field "subrequest"'],
  ])('refuses %j', (input, message) => {
    expect(() => parseConfig(input)).toThrowError(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining(message) }),
    );
  });

  it('reports every problem at once, each with its path', () => {
    try {
      parseConfig({ registries: { 'a.io': { insecrue: true } }, cache: { tagTtlSeconds: -1 }, jobz: {} });
      expect.unreachable();
    } catch (error) {
      const problems = (error as { details: { problems: { path: string; message: string }[] } }).details.problems;
      expect(problems.map((p) => p.path).sort()).toEqual(['cache.tagTtlSeconds', 'registries["a.io"]', 'top level']);
    }
  });

  it('never puts a secret value in its errors', () => {
    try {
      parseConfig({ registries: { 'a.io': { credentials: { password: 'hunter2' } } } });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });
});
