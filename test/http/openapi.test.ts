// /openapi.json describes every route, generated from the validators the routes run.

import { expect, it } from 'vitest';
import { runtimeName } from '@test-runtime';
import { makeService } from '../support/service.js';

it('serves an OpenAPI 3.1 document covering every route', async () => {
  const res = await makeService({ registries: {}, callers: {} }).get('/openapi.json');
  expect(res.status).toBe(200);
  const doc = res.body;
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths).sort()).toEqual([
    '/.well-known/jwks.json',
    '/.well-known/openid-configuration',
    '/config.schema.json',
    '/healthz',
    '/metrics',
    '/openapi.json',
    '/v1/audit',
    '/v1/copy',
    '/v1/copy/dry-run',
    '/v1/diff/{reference}',
    '/v1/events/dead',
    '/v1/events/sinks',
    '/v1/events/sinks/{name}',
    '/v1/inspect/{reference}',
    '/v1/jobs',
    '/v1/jobs/{id}',
    '/v1/manifest/{reference}',
    '/v1/promote',
    '/v1/registries',
    '/v1/registries/{host}',
    '/v1/rules',
    '/v1/rules/{name}',
    '/v1/syncs',
    '/v1/syncs/{name}',
    '/v1/syncs/{name}/runs',
    '/v1/tag',
    '/v1/tags/{repository}',
    '/v1/token',
    '/v1/webhooks/{receiver}',
  ]);
  expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  const operations = Object.values(doc.paths).flatMap((p: any) => Object.values(p)) as { operationId?: string }[];
  expect(operations.every((o) => typeof o.operationId === 'string')).toBe(true);
  expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
  expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  const copy = doc.components.schemas.CopyRequest;
  expect(copy.required).toEqual(['source', 'target']);
  expect(copy.additionalProperties).toBe(false);
  expect(Object.keys(copy.properties)).toEqual([
    'source',
    'target',
    'tags',
    'platforms',
    'unwrap',
    'verify',
    'noClobber',
    'referrers',
    'wait',
  ]);
  const platform = doc.paths['/v1/inspect/{reference}'].get.parameters.find((p: any) => p.name === 'platform');
  expect(platform.schema.pattern).toBeDefined();
});

it('a response the document does not describe fails the test that meets it (test/support/documented-responses.ts)', async () => {
  const { checkDocumented } = await import('../support/documented-responses.js');
  const undocumented = new Response('{}', { status: 418, headers: { 'content-type': 'application/json' } });
  await expect(
    checkDocumented({ method: 'GET', url: 'http://localhost/v1/inspect/r.io/a:1' }, undocumented),
  ).rejects.toThrow(/undocumented response: GET \/v1\/inspect\/\{reference\} answered 418/);
  const wrongShape = new Response(JSON.stringify({ tags: 'not a list' }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
  const checked = checkDocumented({ method: 'GET', url: 'http://localhost/v1/tags/r.io/a' }, wrongShape);
  if (runtimeName === 'node') await expect(checked).rejects.toThrow(/does not match its documented schema/);
  else await checked; // workerd: statuses only
});

it('the route refuses what the published schema forbids', async () => {
  const service = makeService({ registries: {} });
  const doc = (await service.get('/openapi.json')).body;
  const allowed = Object.keys(doc.components.schemas.CopyRequest.properties);
  const res = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'a/b:c', target: 'a/b:d', notInSchema: true }),
  });
  expect(allowed).not.toContain('notInSchema');
  expect(res.status).toBe(400);
  expect((await res.json()).detail).toContain('unknown field "notInSchema"');
});
