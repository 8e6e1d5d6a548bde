// No configured secret appears in a response, a log line or a KV value, whatever the outcome.

import { expect, inject, it } from 'vitest';
import { MemoryKv } from '../../src/kv/memory.js';
import { computeDigest } from '../../src/registry/digest.js';
import { uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');

it('secrets stay out of responses, logs and KV across successes and failures', async () => {
  const basic = fixture.registries.basic;
  const token = fixture.registries.token;
  const target = fixture.targets.basic;
  const apiKey = 'api-key-never-echo-6c2f';
  const wrongPassword = 'wrong-password-never-echo-19be';
  const secrets = {
    BASIC_PASSWORD: basic.password!,
    TARGET_PASSWORD: target.password!,
    REFRESH: fixture.token.refreshToken,
    PROXY_TOKEN: 'static-bearer-never-echo-a8d0',
    WRONG: wrongPassword,
  };
  const kv = new MemoryKv();
  const service = makeService(
    {
      registries: {
        [basic.host]: {
          insecure: true,
          credentials: { username: basic.username, password: { secret: 'BASIC_PASSWORD' } },
        },
        [target.host]: {
          insecure: true,
          credentials: { username: target.username, password: { secret: 'TARGET_PASSWORD' } },
        },
        [token.host]: {
          insecure: true,
          authHosts: token.authHosts,
          credentials: { identityToken: { secret: 'REFRESH' } },
        },
        [fixture.faultProxy]: {
          insecure: true,
          credentials: { token: { secret: 'PROXY_TOKEN' } },
          headers: { 'x-ferry-fault': 'corrupt-manifest' },
        },
        [fixture.targets.token.host]: {
          insecure: true,
          authHosts: fixture.targets.token.authHosts,
          credentials: { username: 'ferry', password: { secret: 'WRONG' } },
        },
      },
      callers: {
        apiKeys: [{ name: 'ci', sha256: (await computeDigest(new TextEncoder().encode(apiKey))).slice(7) }],
        grants: [{ apiKey: 'ci', actions: ['inspect', 'copy', 'admin'], repositories: ['**/**'] }],
      },
    },
    { kv, secrets },
  );
  const auth = { authorization: `Bearer ${apiKey}` };
  const seen: string[] = [];
  const keep = async (res: Response) => {
    seen.push(JSON.stringify([...res.headers]), new TextDecoder().decode(await res.arrayBuffer()));
    return res;
  };
  const request = async (path: string, init: RequestInit = {}) =>
    keep(
      await service.app.request(path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } }),
    );

  expect((await request(`/v1/inspect/${basic.host}/ferry-test/multiarch:v1`)).status).toBe(200);
  expect((await request(`/v1/inspect/${token.host}/ferry-test/multiarch:v1`)).status).toBe(200);
  expect((await request(`/v1/inspect/${fixture.faultProxy}/ferry-test/multiarch:v1`)).status).toBe(502);
  expect((await request(`/v1/inspect/${fixture.targets.token.host}/anything:v1`)).status).toBe(502);
  expect(
    (
      await request(`/v1/inspect/${basic.host}/ferry-test/multiarch:v1`, {
        headers: { authorization: 'Bearer wrong-key' },
      })
    ).status,
  ).toBe(401);
  const copy = (body: unknown) =>
    request('/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify(body),
    });
  await copy({
    source: `${basic.host}/ferry-test/v2s2:v1`,
    target: `${target.host}/${uniqueRepository('secrets')}:v1`,
  });
  await copy({
    source: `${basic.host}/ferry-test/v2s2:v1`,
    target: `${fixture.targets.token.host}/${uniqueRepository('secrets')}:v1`,
  });
  await request('/v1/audit');

  const values = await Promise.all((await kv.list('', { limit: 10_000 })).keys.map((k) => kv.get(k)));
  const haystack = [...seen, ...service.logs, ...values.map(String)].join('\n');
  expect(haystack.length).toBeGreaterThan(1000);
  for (const secret of [...Object.values(secrets), apiKey]) {
    expect(haystack, `secret ${secret.slice(0, 4)}… leaked`).not.toContain(secret);
    expect(haystack).not.toContain(btoa(`ferry:${secret}`));
  }
});
