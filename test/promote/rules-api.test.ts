// Promotion rules managed through the API by admins, next to the configured (read-only) ones.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;

it('admins put, list, use and delete rules; configured rules stay read-only; others may not touch them', async () => {
  const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
  const service = makeService({
    registries: localRegistries(fixture.registries.anonymous.host, registry),
    callers: {
      apiKeys: [
        { name: 'admin', sha256: await hash('rules-admin-key') },
        { name: 'dev', sha256: await hash('rules-dev-key') },
      ],
      grants: [
        { apiKey: 'admin', actions: ['admin'], repositories: ['**/**'] },
        { apiKey: 'dev', actions: ['inspect', 'copy', 'promote'], repositories: ['**/**'] },
      ],
    },
    promotion: {
      rules: [
        {
          name: 'configured',
          source: { repository: `${registry}/x/**`, tags: {} },
          targets: [{ repository: `${registry}/y`, tags: ['{tag}'] }],
        },
      ],
    },
  });
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as any) };
  };
  const staging = uniqueRepository('api-staging/app');
  const prod = uniqueRepository('api-prod/app');
  const rule = {
    source: { repository: `${registry}/api-staging/**`, tags: { regex: '^v[0-9]+$' } },
    targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}'] }],
  };

  expect((await call('PUT', '/v1/rules/from-api', 'rules-dev-key', rule)).status).toBe(403);
  expect((await call('PUT', '/v1/rules/from-api', 'rules-admin-key', { ...rule, targets: [] })).body.code).toBe(
    'INVALID_REQUEST',
  );
  expect((await call('PUT', '/v1/rules/configured', 'rules-admin-key', rule)).status).toBe(409);
  const put = await call('PUT', '/v1/rules/from-api', 'rules-admin-key', rule);
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  const listed = await call('GET', '/v1/rules', 'rules-admin-key');
  expect(listed.body.rules.map((r: any) => [r.name, r.origin])).toEqual([
    ['configured', 'config'],
    ['from-api', 'api'],
  ]);

  // Stage the image with the dev key (anonymous callers are refused by this configuration).
  expect((await runCopy(service, { source: 'a/b:c', target: 'a/b:d' }, 'application/json')).status).toBe(401);
  expect(
    (
      await call('POST', '/v1/copy', 'rules-dev-key', {
        source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`,
        target: `${registry}/${staging}:v3`,
      })
    ).status,
  ).toBe(200);
  const promoted = await call('POST', '/v1/promote', 'rules-dev-key', {
    source: `${registry}/${staging}:v3`,
    rule: 'from-api',
    dryRun: false,
  });
  expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:v3`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);

  expect((await call('DELETE', '/v1/rules/from-api', 'rules-admin-key')).status).toBe(204);
  expect((await call('DELETE', '/v1/rules/configured', 'rules-admin-key')).status).toBe(409);
  expect(
    (await call('POST', '/v1/promote', 'rules-dev-key', { source: `${registry}/${staging}:v3`, rule: 'from-api' })).body
      .code,
  ).toBe('NOT_FOUND');
});

it('security review v2, weak item 64: a rule put through the API may name only secrets declared for rules', async () => {
  const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spki))}\n-----END PUBLIC KEY-----\n`;
  const service = makeService(
    {
      registries: localRegistries(registry),
      callers: {
        apiKeys: [{ name: 'admin', sha256: await hash('secrets-admin-key') }],
        grants: [{ apiKey: 'admin', actions: ['admin'], repositories: ['**/**'] }],
      },
      promotion: { rules: [], ruleSecrets: ['RELEASE_KEY'] },
    },
    { secrets: { RELEASE_KEY: pem, OPERATOR_ONLY: 'set-but-not-for-rules' } },
  );
  const put = async (name: string) => {
    const res = await service.app.request(`/v1/rules/uses-${name.toLowerCase().replace(/_/g, '-')}`, {
      method: 'PUT',
      headers: { authorization: 'Bearer secrets-admin-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        source: { repository: `${registry}/s/**`, tags: {} },
        targets: [{ repository: `${registry}/p`, tags: ['{tag}'] }],
        verify: { signers: [{ kind: 'cosign-key', publicKey: { secret: name } }] },
      }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  expect((await put('RELEASE_KEY')).status).toBe(200);
  // Set or not, an undeclared name is refused alike: no way to learn which environment variables exist.
  const set = await put('OPERATOR_ONLY');
  const unset = await put('NOT_SET_ANYWHERE');
  expect([set.status, set.body.code]).toEqual([400, 'INVALID_REQUEST']);
  expect(set.body.detail).toContain('promotion.ruleSecrets');
  expect(unset.body.detail).toBe(set.body.detail.replace('OPERATOR_ONLY', 'NOT_SET_ANYWHERE'));
});

it('security review v2, weak item 63: API rule names are scoped per owner; no PUT reveals another tenant’s rule', async () => {
  const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
  const source = fixture.registries.anonymous.host;
  const service = makeService({
    registries: localRegistries(source, registry),
    callers: {
      apiKeys: await Promise.all(
        ['ka', 'kb', 'dev-a', 'root'].map(async (name) => ({ name, sha256: await hash(`owners-${name}`) })),
      ),
      grants: [
        { apiKey: 'ka', actions: ['admin'], repositories: [`${source}/ferry-test/**`, `${registry}/team-a/**`] },
        { apiKey: 'kb', actions: ['admin'], repositories: [`${source}/ferry-test/**`, `${registry}/team-b/**`] },
        { apiKey: 'dev-a', actions: ['inspect'], repositories: [`${source}/**`] },
        { apiKey: 'dev-a', actions: ['promote'], repositories: [`${registry}/team-a/**`] },
        { apiKey: 'root', actions: ['admin', 'inspect', 'promote'], repositories: ['**/**'] },
      ],
    },
    promotion: { rules: [] },
  });
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer owners-${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as any) };
  };
  const ruleOf = (team: string) => ({
    source: { repository: `${source}/ferry-test/**`, tags: {} },
    targets: [{ repository: `${registry}/${team}/app`, tags: ['{tag}'] }],
  });
  const targetsOf = (listed: any) => listed.body.rules.map((r: any) => [r.name, r.targets[0].repository, r.author.id]);

  expect((await call('PUT', '/v1/rules/release', 'ka', ruleOf('team-a'))).status).toBe(200);
  // team-b's admin takes the same name for its own rule: no 409 telling it team-a has one.
  const b = await call('PUT', '/v1/rules/release', 'kb', ruleOf('team-b'));
  expect([b.status, b.body.targets?.[0].repository], JSON.stringify(b.body)).toEqual([200, `${registry}/team-b/app`]);
  expect(targetsOf(await call('GET', '/v1/rules', 'ka'))).toEqual([['release', `${registry}/team-a/app`, 'key:ka']]);
  expect(targetsOf(await call('GET', '/v1/rules', 'kb'))).toEqual([['release', `${registry}/team-b/app`, 'key:kb']]);

  // Whoever promotes by the name gets the one rule it may use; one who may use both is told to tell them apart.
  const planned = await call('POST', '/v1/promote', 'dev-a', {
    source: `${source}/ferry-test/v2s2:v1`,
    rule: 'release',
  });
  expect(planned.status, JSON.stringify(planned.body)).toBe(200);
  expect(planned.body.plan.steps.map((s: any) => s.target)).toEqual([`${registry}/team-a/app`]);
  const both = await call('POST', '/v1/promote', 'root', { source: `${source}/ferry-test/v2s2:v1`, rule: 'release' });
  expect([both.status, both.body.code]).toEqual([409, 'CONFLICT']);
  expect(both.body.detail).toContain('key:ka');

  // A delete takes the caller's own rule; the other tenant's stays.
  expect((await call('DELETE', '/v1/rules/release', 'kb')).status).toBe(204);
  expect((await call('DELETE', '/v1/rules/release', 'kb')).status).toBe(404);
  expect(targetsOf(await call('GET', '/v1/rules', 'ka'))).toEqual([['release', `${registry}/team-a/app`, 'key:ka']]);
  const alone = await call('POST', '/v1/promote', 'root', { source: `${source}/ferry-test/v2s2:v1`, rule: 'release' });
  expect(alone.status, JSON.stringify(alone.body)).toBe(200);
});
