// Security review B1, B14, B18: an admin grant on a repository glob is admin over those repositories
// only (jobs, audit records and rules it may see, rules it may write), an API rule acts with its author's
// current grants, a job is its owner's only while the owner may still read it, and a rule the caller may
// not use answers as if it did not exist.

import { importJWK, SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { judge, runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeKv, makeState } from '@test-runtime';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;
const SECRET = 'grants-receiver-secret-4a9e21';
const V2S2 = fixture.skopeo.anonymous.v2s2!;

const hash = async (key: string) => (await computeDigest(new TextEncoder().encode(key))).slice(7);

/** team-a and team-b, each with its own repositories; an admin of team-a only; a global admin. */
async function teams(
  options: { adminOfA?: string[]; state?: ReturnType<typeof makeState>; kv?: ReturnType<typeof makeKv> } = {},
) {
  const a = uniqueRepository('team-a');
  const b = uniqueRepository('team-b');
  return { a, b, make: (adminOfA = options.adminOfA) => build(a, b, adminOfA, options) };
}

async function build(
  a: string,
  b: string,
  adminOfA: string[] | undefined,
  options: { state?: ReturnType<typeof makeState>; kv?: ReturnType<typeof makeKv> },
) {
  const keys = ['ka', 'kb', 'kadm', 'kroot', 'knone'];
  const service = makeService(
    {
      registries: localRegistries(source, registry),
      callers: {
        apiKeys: await Promise.all(keys.map(async (name) => ({ name, sha256: await hash(`${name}-secret`) }))),
        grants: [
          {
            apiKey: 'ka',
            actions: ['inspect', 'copy', 'promote'],
            repositories: [`${registry}/${a}/**`, `${source}/**`],
          },
          {
            apiKey: 'kb',
            actions: ['inspect', 'copy', 'promote'],
            repositories: [`${registry}/${b}/**`, `${source}/**`],
          },
          { apiKey: 'kadm', actions: ['admin'], repositories: adminOfA ?? [`${registry}/${a}/**`, `${source}/**`] },
          { apiKey: 'kroot', actions: ['admin'], repositories: ['**/**'] },
          { apiKey: 'knone', actions: ['inspect'], repositories: [`${registry}/nothing-here/*`] },
        ],
      },
      webhooks: { receivers: { reg: { format: 'distribution', registry, secret: SECRET } } },
    },
    { jobs: true, ...(options.state ? { state: options.state } : {}), ...(options.kv ? { kv: options.kv } : {}) },
  );
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}-secret`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as any) };
  };
  return { service, call };
}

describe('B1: admin on a glob is admin over those repositories only', () => {
  it("a team-a admin cannot read team-b's job or audit records, but a global admin can", async () => {
    const { a, b, make } = await teams();
    const { service, call } = await make();
    const copied = await call('POST', '/v1/copy', 'kb', {
      source: `${source}/ferry-test/v2s2:v1`,
      target: `${registry}/${b}/app:v1`,
      wait: false,
    });
    expect(copied.status, JSON.stringify(copied.body)).toBe(202);
    await waitForJob(service, copied.body.id, { authorization: 'Bearer kb-secret' });
    await call('POST', '/v1/copy', 'ka', { source: `${source}/ferry-test/v2s2:v1`, target: `${registry}/${a}/app:v1` });

    expect((await call('GET', `/v1/jobs/${copied.body.id}`, 'kadm')).status).toBe(404);
    expect((await call('GET', `/v1/jobs/${copied.body.id}`, 'kroot')).status).toBe(200);
    expect((await call('GET', `/v1/jobs/${copied.body.id}`, 'kb')).status).toBe(200);

    const mine = (await call('GET', '/v1/audit?limit=100', 'kadm')).body.records as {
      caller: string;
      target: string;
    }[];
    expect(mine.some((r) => r.caller === 'key:ka')).toBe(true);
    expect(mine.filter((r) => r.caller === 'key:kb' || r.target?.includes(b))).toEqual([]);
    const all = (await call('GET', '/v1/audit?limit=100', 'kroot')).body.records as { caller: string }[];
    expect(all.some((r) => r.caller === 'key:kb')).toBe(true);
    expect((await call('GET', '/v1/audit', 'ka')).status).toBe(403);
  });

  it('a team-a admin may not write a rule that reaches team-b; rules it may not see are not listed, nor deletable', async () => {
    const { a, b, make } = await teams();
    const { call } = await make();
    const evil = {
      source: { repository: `${registry}/${a}/**`, tags: { regex: '^v' } },
      targets: [{ repository: `${registry}/${b}/app`, tags: ['latest'] }],
      mutable: true,
    };
    const refused = await call('PUT', '/v1/rules/evil', 'kadm', evil);
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body.detail).toContain(`${registry}/${b}/app`);
    // A source glob wider than the admin's own is refused too.
    expect(
      (
        await call('PUT', '/v1/rules/wide', 'kadm', {
          ...evil,
          source: { repository: `${registry}/**` },
          targets: [{ repository: `${registry}/${a}/prod`, tags: ['{tag}'] }],
        })
      ).status,
    ).toBe(403);
    // A template target counts as everything under its prefix.
    expect(
      (
        await call('PUT', '/v1/rules/templated', 'kadm', {
          ...evil,
          targets: [{ repository: `${registry}/${b}/{repository}`, tags: ['{tag}'] }],
        })
      ).status,
    ).toBe(403);

    const own = await call('PUT', '/v1/rules/team-a-release', 'kadm', {
      source: { repository: `${registry}/${a}/staging/**` },
      targets: [{ repository: `${registry}/${a}/prod/app`, tags: ['{tag}'] }],
    });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.author).toMatchObject({ kind: 'apiKey', id: 'key:kadm' });
    // The rule body is checked by the configuration's own schema: a typo is refused, naming it.
    const typo = await call('PUT', '/v1/rules/typo', 'kadm', {
      source: { repository: `${registry}/${a}/staging/**` },
      targets: [{ repository: `${registry}/${a}/prod/app`, tags: ['{tag}'] }],
      requireSignatures: true,
    });
    expect(typo.status).toBe(400);
    expect(typo.body.detail).toContain('unknown field "requireSignatures"');
    const rootRule = await call('PUT', '/v1/rules/team-b-release', 'kroot', {
      source: { repository: `${registry}/${b}/staging/**` },
      targets: [{ repository: `${registry}/${b}/prod/app`, tags: ['{tag}'] }],
    });
    expect(rootRule.status).toBe(200);

    const listedByA = (await call('GET', '/v1/rules', 'kadm')).body.rules.map((r: { name: string }) => r.name);
    expect(listedByA).toContain('team-a-release');
    expect(listedByA).not.toContain('team-b-release');
    expect((await call('DELETE', '/v1/rules/team-b-release', 'kadm')).status).toBe(404);
    // Names are scoped per owner (security review v2, weak item 63): team-a's admin gets a rule of its own by
    // that name, and team-b's stays as it was.
    const mine = await call('PUT', '/v1/rules/team-b-release', 'kadm', {
      source: { repository: `${registry}/${a}/x/**` },
      targets: [{ repository: `${registry}/${a}/y`, tags: ['{tag}'] }],
    });
    expect([mine.status, mine.body.targets?.[0].repository]).toEqual([200, `${registry}/${a}/y`]);
    expect((await call('GET', '/v1/rules', 'kroot')).body.rules.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining(['team-a-release', 'team-b-release']),
    );
  });

  it("a webhook promotion by an API rule runs with its author's current grants: revoked, each job fails FORBIDDEN naming the rule", async () => {
    const state = makeState();
    const kv = makeKv();
    const { a, make } = await teams({ state, kv });
    const { service, call } = await make();
    const rule = {
      source: { repository: `${registry}/${a}/staging/**` },
      targets: [{ repository: `${registry}/${a}/prod/app`, tags: ['{tag}'] }],
    };
    expect((await call('PUT', '/v1/rules/release', 'kadm', rule)).status).toBe(200);
    expect(
      (
        await call('POST', '/v1/copy', 'kroot', {
          source: `${source}/ferry-test/v2s2:v1`,
          target: `${registry}/${a}/staging/app:v1`,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST', '/v1/copy', 'kroot', {
          source: `${source}/ferry-test/v2s2:v1`,
          target: `${registry}/${a}/staging/app:v2`,
        })
      ).status,
    ).toBe(200);
    const notify = async (svc: typeof service, tag: string) => {
      const envelope = {
        events: [
          {
            id: `event-${crypto.randomUUID()}`,
            action: 'push',
            target: {
              mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
              digest: V2S2.digest,
              repository: `${a}/staging/app`,
              tag,
            },
          },
        ],
      };
      const res = await svc.app.request('/v1/webhooks/reg', {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
        body: JSON.stringify(envelope),
      });
      expect(res.status).toBe(202);
      const { jobs } = (await res.json()) as { jobs: string[] };
      expect(jobs).toHaveLength(1);
      return waitForJob(svc, jobs[0]!, { authorization: 'Bearer kroot-secret' }, 20);
    };
    expect(await notify(service, 'v1')).toMatchObject({ state: 'done' });
    expect((await judge(fixture.judge, 'raw', `${registry}/${a}/prod/app:v1`)).raw).toBe(V2S2.raw);

    // The operator narrows kadm to staging: the rule's target is no longer kadm's to write.
    const revoked = await build(a, uniqueRepository('team-b'), [`${registry}/${a}/staging/**`, `${source}/**`], {
      state,
      kv,
    });
    const failed = await notify(revoked.service, 'v2');
    expect(failed).toMatchObject({
      state: 'failed',
      error: { code: 'FORBIDDEN', message: expect.stringContaining('rule "release"') },
    });
    expect((await judge(fixture.judge, 'raw', `${registry}/${a}/prod/app:v2`)).error).toBeTruthy();
  }, 60_000);
});

describe('B18: a rule the caller may not use answers like a missing one', () => {
  it("404 for an unknown rule and for a rule whose targets are not the caller's, with nothing about its targets", async () => {
    const { a, b, make } = await teams();
    const { call } = await make();
    expect(
      (
        await call('PUT', '/v1/rules/b-only', 'kroot', {
          source: { repository: `${source}/**` },
          targets: [{ repository: `${registry}/${b}/secret-target`, tags: ['{tag}'] }],
        })
      ).status,
    ).toBe(200);
    const missing = await call('POST', '/v1/promote', 'ka', {
      source: `${source}/ferry-test/v2s2:v1`,
      rule: 'no-such-rule',
    });
    const hidden = await call('POST', '/v1/promote', 'ka', { source: `${source}/ferry-test/v2s2:v1`, rule: 'b-only' });
    expect(missing.status).toBe(404);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe(missing.body.code);
    expect(JSON.stringify(hidden.body)).not.toContain('secret-target');
    expect(hidden.body.detail).toBe(missing.body.detail.replace('no-such-rule', 'b-only'));
    // Its own team's caller may use it.
    expect(
      (await call('POST', '/v1/promote', 'kb', { source: `${source}/ferry-test/v2s2:v1`, rule: 'b-only' })).status,
    ).toBe(200);
    void a;
  });
});

describe("B14: a job is its owner's while the owner may still read it; a token without sub owns none", () => {
  const ISSUER = 'https://token.actions.example.test';
  const AUDIENCE = 'ferry-jobs-owner';
  const now = () => Math.floor(Date.now() / 1000);
  async function sign(claims: Record<string, unknown>) {
    const jwk = fixture.oidc.keys.first;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid! })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now())
      .setExpirationTime(now() + 300)
      .sign(await importJWK(jwk, jwk.alg));
  }

  it('same sub with other claims, or no sub at all, reads nothing', async () => {
    const repo = uniqueRepository('owned');
    const service = makeService(
      {
        registries: localRegistries(source, registry),
        callers: {
          oidc: [{ issuer: ISSUER, jwksUri: `${fixture.oidc.base}/jwks/${crypto.randomUUID()}`, audience: AUDIENCE }],
          grants: [
            {
              issuer: ISSUER,
              claims: { repository_id: '111' },
              actions: ['inspect', 'copy'],
              repositories: [`${registry}/${repo}/**`, `${source}/**`],
            },
          ],
        },
      },
      { jobs: true },
    );
    const as = async (claims: Record<string, unknown>) => ({
      authorization: `Bearer ${await sign(claims)}`,
      'content-type': 'application/json',
    });
    const create = async (claims: Record<string, unknown>) => {
      const res = await service.app.request('/v1/copy', {
        method: 'POST',
        headers: await as(claims),
        body: JSON.stringify({
          source: `${source}/ferry-test/v2s2:v1`,
          target: `${registry}/${repo}/app:v1`,
          wait: false,
        }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const read = async (id: string, claims: Record<string, unknown>) =>
      (await service.app.request(`/v1/jobs/${id}`, { headers: await as(claims) })).status;

    const withSub = await create({ repository_id: '111', sub: 'environment:prod' });
    expect(await read(withSub, { repository_id: '111', sub: 'environment:prod' })).toBe(200);
    expect(await read(withSub, { repository_id: '999', sub: 'environment:prod' })).toBe(404);

    const withoutSub = await create({ repository_id: '111' });
    expect(await read(withoutSub, { repository_id: '555' })).toBe(404);
    expect(await read(withoutSub, { repository_id: '111' })).toBe(404);
  });
});
