// Security review B2 (descriptor digests), B3, B10, B13, B16, and "upstream error text passed through": what a
// registry sends is checked before Ferry builds anything from it, a registry's URLs cannot send Ferry (or
// its configured headers) to another host, and one answer cannot make Ferry do unbounded work.

import { describe, expect, inject, it } from 'vitest';
import { upstreamError } from '../../src/registry/upstream-errors.js';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const proxy = fixture.faultProxy;
const target = fixture.targets.anonymous.host;
const HEX = 'a'.repeat(64);

function base64url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function hostile(fault: string, arg = '', id = crypto.randomUUID(), extra: Record<string, unknown> = {}) {
  return {
    registries: {
      [proxy]: {
        insecure: true,
        headers: { 'x-ferry-fault': fault, 'x-ferry-fault-arg': arg, 'x-ferry-fault-id': id },
      },
      [target]: { insecure: true },
    },
    ...extra,
  };
}

const image = (layer: Record<string, unknown>, config: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${HEX}`, size: 2, ...config },
  layers: [
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: `sha256:${'b'.repeat(64)}`,
      size: 10,
      ...layer,
    },
  ],
});

describe('B2: descriptor values are checked before any path is built from them', () => {
  it('a layer digest with ../ fails the copy with UPSTREAM_PROTOCOL naming the field; nothing reaches the repository it points at', async () => {
    const victim = uniqueRepository('b2d/victim');
    const service = makeService(
      hostile(
        'hostile-manifest',
        base64url(JSON.stringify(image({ digest: `../../../${victim}/blobs/sha256:${HEX}` }))),
      ),
    );
    const run = await runCopy(
      service,
      { source: `${proxy}/evil/app:v1`, target: `${target}/${uniqueRepository('b2d/prod')}:v1` },
      'application/json',
    );
    expect(run.final.code).toBe('UPSTREAM_PROTOCOL');
    expect(run.final.detail).toContain('layers[0].digest');
    expect(service.requests.filter((r) => r.url.includes(victim))).toEqual([]);
    const inspected = await service.get(`/v1/inspect/${proxy}/evil/app:v1`);
    expect(inspected.body.code).toBe('UPSTREAM_PROTOCOL');
  });

  it.each([
    ['layers[0].mediaType', image({ mediaType: 'text/html\r\nx-injected: 1' })],
    ['layers[0].size', image({ size: -5 })],
    ['config.digest', image({}, { digest: 'sha256:short' })],
  ])('an invalid %s is UPSTREAM_PROTOCOL naming it', async (field, manifest) => {
    const service = makeService(hostile('hostile-manifest', base64url(JSON.stringify(manifest))));
    const res = await service.get(`/v1/inspect/${proxy}/evil/app:v1`);
    expect(res.body.code).toBe('UPSTREAM_PROTOCOL');
    expect(res.body.detail).toContain(field);
  });

  it('media types are checked by syntax, not from a list: a Helm chart inspects', async () => {
    const chart = image(
      { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' },
      { mediaType: 'application/vnd.cncf.helm.config.v1+json' },
    );
    const service = makeService(hostile('hostile-manifest', base64url(JSON.stringify(chart))));
    const res = await service.get(`/v1/inspect/${proxy}/charts/app:1.0.0`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.layers[0].mediaType).toBe('application/vnd.cncf.helm.chart.content.v1.tar+gzip');
  });
});

describe('B3 and B13: URLs a registry hands out', () => {
  it('a Link "next" of http://registry//other-host/... is never fetched from the other host', async () => {
    const log = async () =>
      ((await (await fetch(`http://${fixture.blobStorage}/__log`)).json()) as { path: string }[]).length;
    const before = await log();
    const service = makeService(hostile('link-ssrf'));
    const res = await service.get(`/v1/tags/${proxy}/ferry-test/v2s2`);
    expect(res.status).not.toBe(200);
    expect(service.requests.filter((r) => new URL(r.url).host === fixture.blobStorage)).toEqual([]);
    expect(await log()).toBe(before);
  });

  it("the registry's configured headers go to its own origin only, not to a blob host it uploads through", async () => {
    const service = makeService({
      registries: {
        [fixture.registries.anonymous.host]: { insecure: true },
        [proxy]: {
          insecure: true,
          blobHosts: [fixture.blobStorage],
          headers: { 'x-ferry-fault': 'foreign-location', 'x-registry-secret': 'header-secret-1234' },
        },
      },
    });
    await runCopy(
      service,
      {
        source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`,
        target: `${proxy}/${uniqueRepository('b13')}:v1`,
      },
      'application/json',
    );
    const elsewhere = service.requests.filter((r) => new URL(r.url).host === fixture.blobStorage);
    expect(elsewhere.length).toBeGreaterThan(0);
    for (const r of elsewhere) {
      expect(r.headers['x-registry-secret']).toBeUndefined();
      expect(r.headers.authorization).toBeUndefined();
    }
    expect(
      service.requests.some(
        (r) => new URL(r.url).host === proxy && r.headers['x-registry-secret'] === 'header-secret-1234',
      ),
    ).toBe(true);
  });
});

describe('B10 and B16: bounded work for index trees', () => {
  const stats = async (id: string) =>
    (await (await fetch(`http://${proxy}/__hostile/stats?id=${id}`)).json()) as { max: number; total: number };

  it('a wide index has its children fetched a few at a time (limits.indexConcurrency, 8)', async () => {
    const id = crypto.randomUUID();
    const service = makeService(hostile('wide-index', '200', id));
    await runCopy(
      service,
      { source: `${proxy}/wide/app:v1`, target: `${target}/${uniqueRepository('b10')}:v1` },
      'application/json',
    );
    const seen = await stats(id);
    expect(seen.total).toBeGreaterThanOrEqual(200);
    expect(seen.max).toBeLessThanOrEqual(8);
  });

  it('an index of more children than limits.indexChildren is LIMIT_EXCEEDED (422) naming the cap, before any child is fetched', async () => {
    const id = crypto.randomUUID();
    const service = makeService(hostile('wide-index', '1001', id));
    const run = await runCopy(
      service,
      { source: `${proxy}/wide/app:v1`, target: `${target}/${uniqueRepository('b10')}:v1` },
      'application/json',
    );
    expect(run.status).toBe(422);
    expect(run.final).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'limits.indexChildren' });
    expect((await stats(id)).total).toBeLessThanOrEqual(2);
    const wider = makeService(hostile('wide-index', '1001', crypto.randomUUID(), { limits: { indexChildren: 2000 } }));
    expect((await wider.get(`/v1/inspect/${proxy}/wide/app:v1`)).status).toBe(200);
  });

  it('indexes nested deeper than limits.indexDepth are LIMIT_EXCEEDED after at most that many requests', async () => {
    const id = crypto.randomUUID();
    const service = makeService(hostile('deep-index', '2000', id));
    const res = await service.get(`/v1/inspect/${proxy}/deep/app:v1?platform=linux/amd64`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'limits.indexDepth' });
    expect((await stats(id)).total).toBeLessThanOrEqual(10);
    const run = await runCopy(
      makeService(hostile('deep-index', '2000')),
      { source: `${proxy}/deep/app:v1`, target: `${target}/${uniqueRepository('b16')}:v1` },
      'application/json',
    );
    expect(run.final.code).toBe('LIMIT_EXCEEDED');
    const shallow = makeService(hostile('deep-index', '4'));
    expect((await shallow.get(`/v1/inspect/${proxy}/deep/app:v1?platform=linux/amd64`)).status).toBe(200);
  });

  it('a sync of more tags than limits.tagsPerSync is LIMIT_EXCEEDED', async () => {
    const service = makeService({
      registries: localRegistries(fixture.registries.anonymous.host, target),
      limits: { tagsPerSync: 100 },
    });
    const run = await runCopy(
      service,
      {
        source: `${fixture.registries.anonymous.host}/${fixture.bulk.tags.repository}`,
        target: `${target}/${uniqueRepository('sync-cap')}`,
        tags: 'all',
      },
      'application/json',
    );
    expect(run.status).toBe(422);
    expect(run.final).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'limits.tagsPerSync' });
  });
});

describe('upstream errors are summarised, never passed through', () => {
  it('a registry error message keeps its code and gist, without anything that looks like a credential', async () => {
    const message = `access denied for user=ferry password=hunter2 token: ${'f'.repeat(40)} Authorization: Bearer abc.def.ghi ${'x'.repeat(400)}`;
    const response = new Response(JSON.stringify({ errors: [{ code: 'DENIED', message }] }), { status: 403 });
    const error = await upstreamError(response, 'manifest r/x:1');
    expect(error.code).toBe('UPSTREAM_DENIED');
    expect(error.message).toContain('DENIED access denied');
    for (const secret of ['hunter2', 'f'.repeat(40), 'abc.def.ghi']) expect(error.message).not.toContain(secret);
    expect(error.message.length).toBeLessThan(320);
  });
});
