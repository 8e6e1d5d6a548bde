// Smaller points of the user-experience review: a wrong method is a 405 that names the right ones; a
// rule body cannot rename the rule its path names; /v1/manifest honours ?platform= as /v1/inspect does.

import { expect, inject, it } from 'vitest';
import { runCopy } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;

it('a known path asked with another method is 405 with Allow; an unknown path stays 404', async () => {
  const service = makeService({ registries: {} });
  const copy = await service.app.request('http://localhost/v1/copy', { method: 'DELETE' });
  expect(copy.status).toBe(405);
  expect(copy.headers.get('allow')).toBe('POST');
  expect(((await copy.json()) as { code: string }).code).toBe('METHOD_NOT_ALLOWED');
  const rule = await service.app.request('http://localhost/v1/rules/x', { method: 'GET' });
  expect(rule.status).toBe(405);
  expect(rule.headers.get('allow')).toBe('DELETE, PUT');
  expect((await service.app.request('http://localhost/v1/nothing-here')).status).toBe(404);
});

it('PUT /v1/rules/<name> with another name in the body is 400; the same name is fine', async () => {
  const service = makeService({ registries: localRegistries(registry) });
  const put = (name: string) =>
    service.app.request('http://localhost/v1/rules/release', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name,
        source: { repository: `${registry}/staging/**` },
        targets: [{ repository: `${registry}/prod/app`, tags: ['{tag}'] }],
      }),
    });
  const other = await put('something-else');
  expect(other.status).toBe(400);
  expect(((await other.json()) as { detail: string }).detail).toContain('rule.name');
  expect((await put('release')).status).toBe(200);
});

it("GET /v1/manifest/<index>?platform=linux/arm64 answers that platform's manifest, as /v1/inspect picks it", async () => {
  const service = makeService({ registries: localRegistries(source) });
  const ref = `${source}/ferry-test/multiarch:v1`;
  const inspected = await service.get(`/v1/inspect/${ref}?platform=linux/arm64`);
  expect(inspected.status).toBe(200);
  const manifest = await service.get(`/v1/manifest/${ref}?platform=linux/arm64`);
  expect(manifest.status).toBe(200);
  expect(manifest.headers.get('docker-content-digest')).toBe(inspected.body.digest);
  expect(manifest.headers.get('docker-content-digest')).not.toBe(fixture.skopeo.anonymous.multiarch!.digest);
  expect((await service.get(`/v1/manifest/${ref}?platform=plan9/mips`)).body.code).toBe('PLATFORM_NOT_FOUND');
});

it("a streamed copy's error event carries the status the JSON mode answers", async () => {
  const service = makeService({ registries: localRegistries(source, registry) });
  const body = { source: `${source}/ferry-test/no-such-image:v1`, target: `${registry}/nowhere/app:v1` };
  const json = await runCopy(service, body, 'application/json');
  const streamed = await runCopy(service, body, 'application/x-ndjson');
  expect(json.status).toBe(404);
  expect(streamed.final).toMatchObject({ type: 'error', code: json.final.code, status: json.status });
});

it('a network failure names the host and port, and that no response headers had arrived', async () => {
  const service = makeService({ registries: { '127.0.0.1:1': { insecure: true } }, copy: { retryBudget: 0 } });
  const res = await service.get('/v1/inspect/127.0.0.1:1/nothing/here:v1');
  expect(res.body.code).toBe('UPSTREAM_UNAVAILABLE');
  expect(res.body.detail).toContain('127.0.0.1:1');
  expect(res.body.detail).toContain('before any response headers arrived');
});

it('a copy or a rule that still says `match` (once a full match) is refused, saying to write `regex` with anchors', async () => {
  const service = makeService({ registries: localRegistries(source, registry) });
  const copy = await runCopy(
    service,
    { source: `${source}/ferry-test/nested`, target: `${registry}/x`, tags: { match: 'v1' } },
    'application/json',
  );
  expect(copy.status).toBe(400);
  expect(copy.final.detail).toContain('"regex"');
  const put = await service.app.request('http://localhost/v1/rules/old', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: { repository: `${registry}/staging/**`, tags: { match: 'v1' } },
      targets: [{ repository: `${registry}/prod/app`, tags: ['{tag}'] }],
    }),
  });
  expect(put.status).toBe(400);
  expect(((await put.json()) as { detail: string }).detail).toContain('^...$');
});
