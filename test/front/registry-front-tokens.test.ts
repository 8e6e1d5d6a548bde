// Who may pull through the registry front: a client told 401 asks the token realm with Basic credentials
// (an API key as the password) and gets a token naming only the repositories its grants let it pull. A
// key without the pull grant, a token for another repository, and a revoked key are all refused.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { makeState } from '@test-runtime';
import { localRegistries } from '../support/configs.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const hash = async (key: string) => (await computeDigest(new TextEncoder().encode(key))).slice(7);
const basic = (password: string) => `Basic ${btoa(`anyone:${password}`)}`;

async function config(keys: string[] = ['puller', 'inspector']) {
  const all = { puller: 'key-puller', inspector: 'key-inspector' } as Record<string, string>;
  return {
    registries: localRegistries(source, target),
    front: { aliases: { local: { registry: source } } },
    callers: {
      apiKeys: await Promise.all(keys.map(async (name) => ({ name, sha256: await hash(all[name]!) }))),
      grants: [
        { apiKey: 'puller', actions: ['pull'], repositories: [`${source}/ferry-test/v2s2`] },
        { apiKey: 'inspector', actions: ['inspect', 'copy'], repositories: [`${source}/**`] },
      ].filter((g) => keys.includes(g.apiKey)),
    },
  };
}

const tokenFor = async (app: { request: (p: string, i?: RequestInit) => Response | Promise<Response> }, key: string) =>
  app.request('/v1/token?service=ferry&scope=repository:local/ferry-test/v2s2:pull', {
    headers: { authorization: basic(key) },
  });

it('a client without a token is told where to get one: 401 with a Bearer challenge naming the realm and scope', async () => {
  const { app } = makeService(await config());
  const ping = await app.request('http://ferry.test/v2/');
  expect(ping.status).toBe(401);
  expect(ping.headers.get('www-authenticate')).toBe('Bearer realm="http://ferry.test/v1/token",service="ferry.test"');
  expect(((await ping.json()) as any).errors[0].code).toBe('UNAUTHORIZED');
  const manifest = await app.request('http://ferry.test/v2/local/ferry-test/v2s2/manifests/v1');
  expect(manifest.headers.get('www-authenticate')).toContain('scope="repository:local/ferry-test/v2s2:pull"');
});

it('an API key with the pull grant gets a token (Basic, any user name) that pulls what it names', async () => {
  const { app } = makeService(await config());
  const res = await tokenFor(app, 'key-puller');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token: string; access_token: string; expires_in: number };
  expect(body.access_token).toBe(body.token);
  expect(body.expires_in).toBe(300);
  const auth = { authorization: `Bearer ${body.token}` };
  expect((await app.request('/v2/', { headers: auth })).status).toBe(200);
  const manifest = await app.request('/v2/local/ferry-test/v2s2/manifests/v1', { headers: auth });
  expect(manifest.status).toBe(200);
  expect(manifest.headers.get('docker-content-digest')).toBe(fixture.skopeo.anonymous.v2s2!.digest);
});

it('a token for one repository cannot read another, even one the key may pull', async () => {
  const { app } = makeService(await config());
  const { token } = (await (await tokenFor(app, 'key-puller')).json()) as { token: string };
  const other = await app.request('http://ferry.test/v2/local/ferry-test/multiarch/manifests/v1', {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(other.status).toBe(401);
  expect(other.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  // Nor does asking for it give a token: the key has no pull grant there.
  const asked = await app.request('/v1/token?scope=repository:local/ferry-test/multiarch:pull', {
    headers: { authorization: basic('key-puller') },
  });
  expect(asked.status).toBe(403);
  expect(((await asked.json()) as any).errors[0].code).toBe('DENIED');
});

it('a key without the pull grant is refused at the token endpoint and at /v2/; inspect and copy do not imply pull', async () => {
  const { app } = makeService(await config());
  const res = await tokenFor(app, 'key-inspector');
  expect(res.status).toBe(403);
  const direct = await app.request('/v2/local/ferry-test/v2s2/manifests/v1', {
    headers: { authorization: 'Bearer key-inspector' },
  });
  expect(direct.status).toBe(401);
  const unknown = await tokenFor(app, 'key-nobody');
  expect(unknown.status).toBe(401);
  expect(unknown.headers.get('www-authenticate')).toBe('Basic realm="ferry"');
});

it("a revoked key's credentials fail at once, and so does a token issued to it before", async () => {
  const state = makeState();
  const before = makeService(await config(), { state });
  const { token } = (await (await tokenFor(before.app, 'key-puller')).json()) as { token: string };
  const after = makeService(await config(['inspector']), { state }); // the key left the configuration
  expect((await tokenFor(after.app, 'key-puller')).status).toBe(401);
  const res = await after.app.request('/v2/local/ferry-test/v2s2/manifests/v1', {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(401);
  expect(((await res.json()) as any).errors[0].message).toMatch(/revoked/);
});

it('a token from another deployment (another key) is not taken', async () => {
  const one = makeService(await config());
  const { token } = (await (await tokenFor(one.app, 'key-puller')).json()) as { token: string };
  const other = makeService(await config());
  const res = await other.app.request('/v2/local/ferry-test/v2s2/manifests/v1', {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(401);
});

it("a token names what the scope's name serves under each mirrored host, and is held to the one a request names", async () => {
  const sha256 = await hash('key-ns');
  const { app } = makeService({
    registries: localRegistries(source, target),
    front: {
      aliases: {},
      namespaces: { 'granted.invalid': { registry: source }, 'other.invalid': { registry: target } },
    },
    callers: {
      apiKeys: [{ name: 'ns', sha256 }],
      grants: [{ apiKey: 'ns', actions: ['pull'], repositories: [`${source}/**`] }],
    },
  });
  const res = await app.request('/v1/token?scope=repository:ferry-test/v2s2:pull', {
    headers: { authorization: basic('key-ns') },
  });
  const { token } = (await res.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}` };
  expect((await app.request('/v2/ferry-test/v2s2/manifests/v1?ns=granted.invalid', { headers: auth })).status).toBe(
    200,
  );
  expect((await app.request('/v2/ferry-test/v2s2/manifests/v1?ns=other.invalid', { headers: auth })).status).toBe(401);
});

it('takes an API key as a Basic password on /v2/ itself (a static header), held to the same grants', async () => {
  const { app } = makeService(await config());
  const ok = await app.request('/v2/local/ferry-test/v2s2/manifests/v1', {
    headers: { authorization: basic('key-puller') },
  });
  expect(ok.status).toBe(200);
  const other = await app.request('/v2/local/ferry-test/multiarch/manifests/v1', {
    headers: { authorization: basic('key-puller') },
  });
  expect(other.status).toBe(401);
  const wrong = await app.request('/v2/', { headers: { authorization: basic('key-nobody') } });
  expect(wrong.status).toBe(401);
});
