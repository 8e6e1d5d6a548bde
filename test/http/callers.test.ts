// Who may call: API keys (hashed, constant-time), 401 with WWW-Authenticate, 403 naming the missing grant,
// grants per repository glob for sources and targets, and an audit record for every copy.

import { describe, expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const KEYS = {
  deployer: 'key-deployer-5d1c0a',
  reader: 'key-reader-77e2f1',
  admin: 'key-admin-0b9d3c',
  revoked: 'key-revoked-31aa',
};
const hash = async (key: string) => (await computeDigest(new TextEncoder().encode(key))).slice(7);

async function service() {
  return makeService(
    {
      registries: localRegistries(source, target),
      callers: {
        apiKeys: [
          { name: 'deployer', sha256: await hash(KEYS.deployer) },
          { name: 'reader', sha256: await hash(KEYS.reader) },
          { name: 'admin', sha256: { secret: 'ADMIN_KEY_HASH' } },
        ],
        grants: [
          { apiKey: 'deployer', actions: ['inspect'], repositories: [`${source}/ferry-test/*`] },
          { apiKey: 'deployer', actions: ['copy'], repositories: [`${target}/prod/**`] },
          { apiKey: 'reader', actions: ['inspect'], repositories: [`${source}/ferry-test/multiarch`] },
          { apiKey: 'admin', actions: ['admin'], repositories: ['**/**'] },
        ],
      },
    },
    { secrets: { ADMIN_KEY_HASH: await hash(KEYS.admin) } },
  );
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function copyAs(svc: Awaited<ReturnType<typeof service>>, key: string | undefined, body: unknown) {
  const res = await svc.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(key ? bearer(key) : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe('authentication', () => {
  it.each([
    ['GET', `/v1/inspect/${source}/ferry-test/multiarch:v1`],
    ['GET', `/v1/manifest/${source}/ferry-test/multiarch:v1`],
    ['GET', `/v1/tags/${source}/ferry-test/multiarch`],
    ['GET', '/v1/audit'],
    ['POST', '/v1/copy'],
  ])('%s %s without credentials is 401 with WWW-Authenticate', async (method, path) => {
    const svc = await service();
    const res = await svc.app.request(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="ferry"');
    expect((await res.json()).code).toBe('UNAUTHENTICATED');
    expect(svc.requests).toEqual([]);
  });

  it('an unknown or revoked key is 401; health and the OpenAPI document stay public', async () => {
    const svc = await service();
    for (const key of [KEYS.revoked, 'x', `${KEYS.deployer}x`]) {
      expect((await svc.get(`/v1/inspect/${source}/ferry-test/multiarch:v1`, bearer(key))).status).toBe(401);
    }
    expect((await svc.get('/healthz')).status).toBe(200);
    expect((await svc.get('/openapi.json')).status).toBe(200);
  });

  it('a configuration without callers refuses everyone', async () => {
    const svc = makeService({ registries: localRegistries(source), callers: {} });
    expect((await svc.get(`/v1/inspect/${source}/ferry-test/multiarch:v1`)).status).toBe(401);
    expect((await svc.get(`/v1/inspect/${source}/ferry-test/multiarch:v1`, bearer(KEYS.deployer))).status).toBe(401);
  });
});

describe('grants', () => {
  it('a valid key without the grant is 403 naming it', async () => {
    const svc = await service();
    const res = await svc.get(`/v1/inspect/${source}/ferry-test/v2s2:v1`, bearer(KEYS.reader));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect(res.body.detail).toContain('"inspect"');
    expect(res.body.missingGrant).toEqual({ action: 'inspect', repository: `${source}/ferry-test/v2s2` });
    expect((await svc.get(`/v1/inspect/${source}/ferry-test/multiarch:v1`, bearer(KEYS.reader))).status).toBe(200);
  });

  it('a caller allowed to copy into prod/* cannot copy into other/*, nor read a source it may not inspect', async () => {
    const svc = await service();
    const into = uniqueRepository('prod/app');
    const ok = await copyAs(svc, KEYS.deployer, {
      source: `${source}/ferry-test/v2s2:v1`,
      target: `${target}/${into}:v1`,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);

    const other = await copyAs(svc, KEYS.deployer, {
      source: `${source}/ferry-test/v2s2:v1`,
      target: `${target}/other/app:v1`,
    });
    expect(other.status).toBe(403);
    expect(other.body.missingGrant).toEqual({ action: 'copy', repository: `${target}/other/app` });

    const unreadable = await copyAs(svc, KEYS.deployer, {
      source: `${target}/${into}:v1`,
      target: `${target}/prod/again:v1`,
    });
    expect(unreadable.status).toBe(403);
    expect(unreadable.body.missingGrant).toEqual({ action: 'inspect', repository: `${target}/${into}` });

    const reader = await copyAs(svc, KEYS.reader, {
      source: `${source}/ferry-test/multiarch:v1`,
      target: `${target}/prod/x:v1`,
    });
    expect(reader.body.missingGrant.action).toBe('copy');
    // Refused copies never reached a registry.
    expect(
      svc.requests.filter(
        (r) => r.url.includes('/prod/again') || r.url.includes('/other/') || r.url.includes('/prod/x'),
      ),
    ).toEqual([]);
  });

  it('every copy leaves an audit record that admins can list, newest first', async () => {
    const svc = await service();
    const into = uniqueRepository('prod/audited');
    await copyAs(svc, KEYS.deployer, { source: `${source}/ferry-test/v2s2:v1`, target: `${target}/${into}:v1` });
    await copyAs(svc, KEYS.deployer, { source: `${source}/ferry-test/missing:v1`, target: `${target}/${into}:v2` });
    expect((await svc.get('/v1/audit', bearer(KEYS.deployer))).status).toBe(403);
    const res = await svc.get('/v1/audit', bearer(KEYS.admin));
    expect(res.status).toBe(200);
    const mine = res.body.records.filter((r: any) => r.target.includes(into));
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({ caller: 'key:deployer', action: 'copy', outcome: 'error', code: 'NOT_FOUND' });
    expect(mine[1]).toMatchObject({
      caller: 'key:deployer',
      action: 'copy',
      outcome: 'ok',
      targetDigest: fixture.skopeo.anonymous.v2s2!.digest,
      tags: ['v1'],
    });
    expect(mine[1].sourceDigest).toBe(fixture.skopeo.anonymous.v2s2!.digest);
  });
});

describe('the local default', () => {
  it('anonymous callers get every grant only when the config says so', async () => {
    const svc = makeService({ registries: localRegistries(source), callers: { anonymous: true } });
    expect((await svc.get(`/v1/inspect/${source}/ferry-test/multiarch:v1`)).status).toBe(200);
    const run = await runCopy(
      svc,
      { source: `${source}/ferry-test/v2s2:v1`, target: `${source}/${uniqueRepository('anon')}:v1` },
      'application/json',
    );
    expect(run.status).toBe(200);
  });
});
