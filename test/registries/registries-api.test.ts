// Registry entries managed through the API: an admin over `<host>/**` adds the entry for that host and
// the next request uses it; secrets are sealed at rest and never answered, logged or audited; configured
// entries stay read-only; what only the operator may allow (private addresses, plain http, environment
// secrets, cloud endpoints) is refused; another instance sees a change within the cache lifetime.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { toBase64 } from '../../src/encoding.js';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { loopbackOnlyFetch, makeService } from '../support/service.js';
import type { FetchLike } from '../../src/deps.js';
import { makeState } from '@test-runtime';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.basic; // htpasswd
const PASSWORD = target.password!;
const HEADER_CANARY = `canary-${crypto.randomUUID()}`;
const KEY = toBase64(crypto.getRandomValues(new Uint8Array(32)));
const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);

async function setup(managed: Record<string, unknown>, state = makeState(), fetch?: FetchLike) {
  const service = makeService(
    {
      registries: localRegistries(source),
      allowPublicRegistries: false,
      managedRegistries: managed,
      callers: {
        apiKeys: [
          { name: 'owner', sha256: await hash('owner-key') },
          { name: 'other', sha256: await hash('other-key') },
          { name: 'dev', sha256: await hash('dev-key') },
          { name: 'dev-admin', sha256: await hash('dev-admin-key') },
        ],
        grants: [
          {
            apiKey: 'owner',
            actions: ['admin', 'copy', 'inspect'],
            repositories: [`${target.host}/**`, `${source}/**`],
          },
          { apiKey: 'other', actions: ['admin'], repositories: ['elsewhere.example.com/**'] },
          { apiKey: 'dev', actions: ['copy', 'inspect'], repositories: ['**/**'] },
          {
            apiKey: 'dev-admin',
            actions: ['admin', 'copy', 'inspect'],
            repositories: ['registry.example.com/**', `${source}/**`],
          },
        ],
      },
    },
    { secrets: { SEALING_KEY: KEY }, state, ...(fetch ? { fetch } : {}) },
  );
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
  };
  const copy = async (tag: string) => {
    const reference = `${target.host}/${uniqueRepository('managed/app')}:${tag}`;
    return {
      ...(await call('POST', '/v1/copy', 'owner-key', { source: `${source}/ferry-test/v2s2:v1`, target: reference })),
      reference,
    };
  };
  return { service, call, copy, state };
}

const open = {
  keys: [{ kid: 'k1', key: { secret: 'SEALING_KEY' } }],
  allowPrivateAddresses: true,
  allowInsecure: true,
};
const entry = {
  insecure: true,
  credentials: { username: target.username, password: PASSWORD },
  headers: { 'x-canary': HEADER_CANARY },
};

it('an entry added through the API is used by the next request, never shows its secrets, and is audited', async () => {
  const { service, call, copy, state } = await setup(open);
  const before = await copy('v1');
  expect(before.body.code).toBe('ADDRESS_NOT_ALLOWED');

  expect((await call('PUT', `/v1/registries/${target.host}`, 'dev-key', entry)).status).toBe(403);
  expect((await call('PUT', `/v1/registries/${target.host}`, 'other-key', entry)).body.missingGrant).toEqual({
    action: 'admin',
    repository: `${target.host}/**`,
  });
  const put = await call('PUT', `/v1/registries/${target.host}`, 'owner-key', entry);
  expect(put.status, put.text).toBe(200);
  expect(put.body).toMatchObject({
    host: target.host,
    origin: 'api',
    credentials: { username: target.username, password: { set: true } },
    headers: ['x-canary'],
    updatedBy: 'key:owner',
  });

  const copied = await copy('v1');
  expect(copied.status, copied.text).toBe(200);
  expect((await judge(fixture.judge, 'raw', copied.reference, `${target.username}:${PASSWORD}`)).raw).toBe(
    fixture.skopeo.anonymous.v2s2!.raw,
  );
  // The configured header reached the registry: the entry is the one in use.
  expect(
    service.requests.some((r) => r.url.startsWith(`http://${target.host}/`) && r.headers['x-canary'] === HEADER_CANARY),
  ).toBe(true);

  const got = await call('GET', `/v1/registries/${target.host}`, 'owner-key');
  const listed = await call('GET', '/v1/registries', 'owner-key');
  expect(listed.body.registries.map((r: any) => [r.host, r.origin])).toEqual([
    [source, 'config'],
    [target.host, 'api'],
  ]);
  expect((await call('GET', '/v1/registries', 'other-key')).body.registries).toEqual([]);
  expect((await call('GET', `/v1/registries/${target.host}`, 'other-key')).status).toBe(403);

  expect((await call('DELETE', `/v1/registries/${target.host}`, 'owner-key')).status).toBe(204);
  expect((await copy('v2')).body.code).toBe('ADDRESS_NOT_ALLOWED');
  expect((await call('DELETE', `/v1/registries/${target.host}`, 'owner-key')).status).toBe(404);

  const audit = await call('GET', '/v1/audit', 'owner-key');
  const actions = audit.body.records.map((r: any) => [r.action, r.target, r.detail]);
  expect(actions).toContainEqual(['registry.put', target.host, 'credentials: password']);
  expect(actions).toContainEqual(['registry.delete', target.host, undefined]);

  // At rest: sealed. Nowhere: the password or the header's value.
  const stored = await state.list('registries|');
  const said = [put.text, got.text, listed.text, audit.text, copied.text, ...service.logs].join('\n');
  for (const secret of [PASSWORD, HEADER_CANARY]) expect(said).not.toContain(secret);
  await call('PUT', `/v1/registries/${target.host}`, 'owner-key', entry);
  const raw = (await state.list('registries|')).entries.map((e) => e.value).join('\n');
  expect(stored.entries).toEqual([]);
  expect(raw).toContain('"sealed"');
  for (const secret of [PASSWORD, HEADER_CANARY]) expect(raw).not.toContain(secret);
});

it('what only the operator may allow is refused: configured hosts, private addresses, plain http, named secrets, cloud endpoints, credentials without keys', async () => {
  const closed = await setup({ keys: open.keys });
  const put = (host: string, body: unknown) => closed.call('PUT', `/v1/registries/${host}`, 'owner-key', body);
  expect((await put(source, {})).status).toBe(409);
  expect((await closed.call('DELETE', `/v1/registries/${source}`, 'owner-key')).status).toBe(409);
  expect((await put(target.host, { credentials: { username: 'u', password: 'p' } })).body.code).toBe(
    'ADDRESS_NOT_ALLOWED',
  );
  expect(
    (await closed.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', { insecure: true })).body.code,
  ).toBe('INSECURE_NOT_ALLOWED');
  expect(
    (await closed.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', { mirrors: ['https://10.1.2.3'] }))
      .body.code,
  ).toBe('ADDRESS_NOT_ALLOWED');
  expect(
    (
      await closed.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', {
        blobHosts: ['metadata.google.internal'],
      })
    ).body.code,
  ).toBe('ADDRESS_NOT_ALLOWED');
  // Security review v2, weak item 6: a wildcard whose suffix is numbers covers loopback and private addresses.
  for (const wildcard of ['*.0.0.1', '*.168.1.1', '*.1'])
    expect(
      (await closed.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', { blobHosts: [wildcard] })).body
        .code,
      wildcard,
    ).toBe('ADDRESS_NOT_ALLOWED');
  const named = await closed.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', {
    credentials: { username: 'u', password: { secret: 'SEALING_KEY' } },
  });
  expect([named.status, named.body.code, named.body.detail]).toEqual([
    400,
    'INVALID_REQUEST',
    'registry.credentials.password: give the value itself: environment secrets are named only in the static configuration',
  ]);
  const endpoints = await closed.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', {
    credentials: {
      aws: {
        region: 'us-east-1',
        accessKeyId: 'a',
        secretAccessKey: 'b',
        endpoints: { sts: 'https://sts.example.com/' },
      },
    },
  });
  expect(endpoints.body.detail).toBe(
    'registry.credentials.aws.endpoints: cloud endpoints are set only in the static configuration',
  );
  expect(
    (
      await closed.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', {
        credentials: { aws: { region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/x' } },
      })
    ).body.detail,
  ).toMatch(/federation needs Ferry's own identity/);
  expect(
    (await closed.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', { credentals: {} })).body.detail,
  ).toBe('registry: unknown field "credentals" (did you mean "credentials"?)');
  expect((await closed.call('PUT', '/v1/registries/not a host', 'other-key', {})).body.code).toBe('INVALID_REQUEST');
  const keyless = await setup({});
  const refused = await keyless.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', {
    credentials: { username: 'u', password: 'p' },
  });
  expect([refused.status, refused.body.code]).toEqual([501, 'NOT_SUPPORTED']);
  // Without secrets an entry needs no key: a mirror, an upload profile.
  expect(
    (await keyless.call('PUT', '/v1/registries/elsewhere.example.com', 'other-key', { upload: { mode: 'chunked' } }))
      .status,
  ).toBe(200);
});

it('a name that resolves to a private address is refused when used, unless the operator allows private addresses', async () => {
  const refused: string[] = [];
  const s = await setup({ keys: open.keys, allowInsecure: true }, makeState(), loopbackOnlyFetch(refused));
  s.service.deps.resolveHost = async () => ['127.0.0.1'];
  const put = await s.call('PUT', '/v1/registries/registry.example.com', 'dev-admin-key', { insecure: true });
  expect(put.status, put.text).toBe(200);
  const copied = await s.call('POST', '/v1/copy', 'dev-admin-key', {
    source: `${source}/ferry-test/v2s2:v1`,
    target: 'registry.example.com/app:v1',
  });
  expect(copied.body.code).toBe('ADDRESS_NOT_ALLOWED');
  expect(copied.body.detail).toContain('resolves to a loopback address');
  expect(refused).toEqual([]);
});

it('another instance sees a change within the cache lifetime, without reading the store on every request', async () => {
  const state = makeState();
  const a = await setup({ ...open, cacheSeconds: 30 }, state);
  const b = await setup({ ...open, cacheSeconds: 30 }, state);
  let clock = Date.now();
  b.service.deps.now = () => clock;
  expect((await b.copy('v1')).body.code).toBe('ADDRESS_NOT_ALLOWED'); // b has read: no entries
  expect((await a.call('PUT', `/v1/registries/${target.host}`, 'owner-key', entry)).status).toBe(200);
  expect((await b.copy('v1')).body.code).toBe('ADDRESS_NOT_ALLOWED'); // within b's 30 s
  clock += 30_000;
  const later = await b.copy('v1');
  expect(later.status, later.text).toBe(200);
});

it('a sealed value opens only where it was sealed, and only while its key is configured', async () => {
  const { seal, unseal, SealError } = await import('../../src/sealed-secrets.js');
  const key = { kid: 'k1', key: crypto.getRandomValues(new Uint8Array(32)) };
  const sealed = await seal(key, PASSWORD, 'entry a.example.com password');
  expect(JSON.stringify(sealed)).not.toContain(PASSWORD);
  expect(await unseal([key], sealed, 'entry a.example.com password')).toBe(PASSWORD);
  await expect(unseal([key], sealed, 'entry b.example.com password')).rejects.toBeInstanceOf(SealError);
  await expect(unseal([{ kid: 'k2', key: key.key }], sealed, 'entry a.example.com password')).rejects.toThrow(
    'sealed with key "k1", which is not configured',
  );
  // Rotation: an older key still listed opens what it sealed.
  const newer = { kid: 'k2', key: crypto.getRandomValues(new Uint8Array(32)) };
  expect(await unseal([newer, key], sealed, 'entry a.example.com password')).toBe(PASSWORD);
});

it('security review v2, weak item 22: an entry that no longer opens is listed as unreadable, the others as they are (no 500)', async () => {
  const state = makeState();
  const first = await setup(open, state);
  expect((await first.call('PUT', `/v1/registries/${target.host}`, 'owner-key', entry)).status).toBe(200);
  expect((await first.call('PUT', '/v1/registries/registry.example.com', 'dev-admin-key', {})).status).toBe(200);
  // The sealing key is replaced by another under the same id: the sealed password no longer opens.
  const rotated = makeService(
    {
      registries: localRegistries(source),
      managedRegistries: open,
      callers: {
        apiKeys: [
          { name: 'owner', sha256: await hash('owner-key') },
          { name: 'dev-admin', sha256: await hash('dev-admin-key') },
        ],
        grants: [
          { apiKey: 'owner', actions: ['admin'], repositories: [`${target.host}/**`] },
          { apiKey: 'dev-admin', actions: ['admin'], repositories: ['registry.example.com/**'] },
        ],
      },
    },
    { secrets: { SEALING_KEY: toBase64(crypto.getRandomValues(new Uint8Array(32))) }, state },
  );
  const list = async (key: string) => {
    const res = await rotated.app.request('/v1/registries', { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const owner = await list('owner-key');
  expect(owner.status, JSON.stringify(owner.body)).toBe(200);
  const broken = owner.body.registries.find((r: { host: string }) => r.host === target.host);
  expect(broken).toMatchObject({ host: target.host, origin: 'api', unreadable: expect.stringContaining('seal') });
  expect(JSON.stringify(owner.body)).not.toContain(PASSWORD);
  const other = await list('dev-admin-key');
  expect(other.body.registries.find((r: { host: string }) => r.host === 'registry.example.com')).toMatchObject({
    origin: 'api',
  });
});
