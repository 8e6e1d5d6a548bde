// Configuration errors are loud: every problem with its path and a "did you mean" for a near-miss key;
// a deployed worker with an invalid configuration answers every route INVALID_CONFIG (500, no stack trace)
// and /healthz 503; the schema is published at GET /config.schema.json.

import { expect, it } from 'vitest';
import { workersPlatform } from '@test-runtime';
import { parseConfig } from '../../src/config/parse.js';
import { makeService } from '../support/service.js';

const BAD = {
  registries: {
    'a.example.com': { insecrue: true, credentials: { username: 'u', password: { secret: 'UNSET_SECRET' } } },
  },
  webhooks: { receivers: { hook: { format: 'github', registry: 'a.example.com', secret: 'eleven-char' } } },
};

it('every problem is reported with its path; a near-miss key gets a "did you mean"', () => {
  try {
    parseConfig(BAD);
    expect.unreachable();
  } catch (error) {
    const { problems } = (error as { details: { problems: { path: string; message: string }[] } }).details;
    expect(problems).toContainEqual({
      path: 'registries["a.example.com"]',
      message: 'unknown field "insecrue" (did you mean "insecure"?)',
    });
  }
  // Once the shape is right, the rest is checked and reported together.
  const shaped = {
    ...BAD,
    registries: {
      'a.example.com': { insecure: true, credentials: { username: 'u', password: { secret: 'UNSET_SECRET' } } },
    },
  };
  try {
    parseConfig(shaped);
    expect.unreachable();
  } catch (error) {
    const paths = (error as { details: { problems: { path: string }[] } }).details.problems.map((p) => p.path).sort();
    expect(paths).toEqual(['registries["a.example.com"].credentials.password', 'webhooks.receivers.hook.secret']);
  }
});

it('GET /config.schema.json publishes the schema the service validates with', async () => {
  const service = makeService({ registries: {} });
  const res = await service.get('/config.schema.json');
  expect(res.status).toBe(200);
  expect(res.body.$schema).toContain('json-schema.org');
  expect(Object.keys(res.body.properties)).toEqual(
    expect.arrayContaining(['registries', 'callers', 'promotion', 'webhooks', 'limits']),
  );
  expect(res.body.additionalProperties).toBe(false);
});

it.runIf(workersPlatform)(
  'a worker with an invalid configuration: every route INVALID_CONFIG naming the paths, /healthz 503, no stack trace',
  async () => {
    const config = JSON.stringify(BAD);
    for (const [path, status] of [
      ['/healthz', 503],
      ['/v1/inspect/a.example.com/x:1', 500],
      ['/openapi.json', 500],
    ] as const) {
      const res = await workersPlatform!.workerFetch(new Request(`http://localhost${path}`), { FERRY_CONFIG: config });
      expect(res.status).toBe(status);
      const body = (await res.json()) as { code: string; detail: string; problems: { path: string }[] };
      expect(body.code).toBe('INVALID_CONFIG');
      expect(body.problems.map((p) => p.path)).toContain('registries["a.example.com"]');
      expect(JSON.stringify(body)).not.toMatch(/\bat [\w.]+ \(|\.ts:\d+/);
    }
  },
);
