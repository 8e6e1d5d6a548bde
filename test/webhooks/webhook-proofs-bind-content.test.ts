// Security review B6, B7, B15 and the receivers' Docker Hub names: a webhook's proof must bind who sent it
// and what it says. Pub/Sub pushes come from the configured service account only; a captured GitHub body
// replayed under a new delivery id runs nothing; a monotonic semver rule never moves a tag back; bodies
// that are not event objects are a 400, never a 500; a `docker.io` receiver matches Docker Hub rules.

import { importJWK, SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { githubSignature } from '../support/github-signature.js';
import { loopbackOnlyFetch, makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;
const V2S2 = fixture.skopeo.anonymous.v2s2!;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!;

describe("B6: Pub/Sub pushes must come from the subscription's service account", () => {
  const ISSUER = 'https://accounts.google.example.test';
  const AUDIENCE = 'https://ferry.example.test/v1/webhooks/gar';
  const ACCOUNT = 'push@project.iam.gserviceaccount.com';
  const token = async (claims: Record<string, unknown>) => {
    const jwk = fixture.oidc.keys.first;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid! })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(jwk, jwk.alg));
  };
  const receiver = (token: Record<string, unknown>) => ({
    format: 'pubsub',
    registry,
    token: {
      issuer: ISSUER,
      jwksUri: `${fixture.oidc.base}/jwks/${crypto.randomUUID()}`,
      audience: AUDIENCE,
      ...token,
    },
  });

  it('a receiver without serviceAccountEmail is a configuration error', () => {
    expect(() => makeService({ registries: {}, webhooks: { receivers: { gar: receiver({}) } } })).toThrowError(
      /serviceAccountEmail/,
    );
  });

  it('right audience, another account or an unverified email: 401; the configured account: accepted', async () => {
    const service = makeService(
      {
        registries: localRegistries(registry),
        webhooks: { receivers: { gar: receiver({ serviceAccountEmail: ACCOUNT }) } },
      },
      { jobs: true },
    );
    const data = btoa(JSON.stringify({ action: 'DELETE', digest: `x/y@${V2S2.digest}`, tag: 'x/y:v1' }));
    const push = async (jwt: string) =>
      service.app.request('/v1/webhooks/gar', {
        method: 'POST',
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: { data, messageId: crypto.randomUUID() } }),
      });
    expect(
      (await push(await token({ email: 'attacker@evil-project.iam.gserviceaccount.com', email_verified: true })))
        .status,
    ).toBe(401);
    expect((await push(await token({ email: ACCOUNT, email_verified: false }))).status).toBe(401);
    expect((await push(await token({ email_verified: true }))).status).toBe(401);
    expect((await push(await token({ email: ACCOUNT, email_verified: true }))).status).toBe(202);
  });
});

describe('B7: GitHub events are deduplicated by what they say, and a monotonic rule never moves a tag back', () => {
  const SECRET = 'github-proof-secret-81c2a7';

  function setup(rule: Record<string, unknown> = {}) {
    const owner = uniqueRepository('org');
    const prod = uniqueRepository('prod/proof');
    const service = makeService(
      {
        registries: localRegistries(source, registry),
        webhooks: { receivers: { github: { format: 'github', registry, secret: SECRET } } },
        promotion: {
          rules: [
            {
              name: 'stable',
              source: { repository: `${registry}/${owner}/app`, tags: { semver: '>=1.0.0' } },
              targets: [{ repository: `${registry}/${prod}`, tags: ['stable'] }],
              mutable: true,
              ...rule,
            },
          ],
        },
      },
      { jobs: true },
    );
    const event = (version: string, digest: string, versionId: number) =>
      JSON.stringify({
        action: 'published',
        registry_package: {
          name: 'app',
          owner: { login: owner },
          package_version: { id: versionId, container_metadata: { tag: { name: version, digest } } },
        },
      });
    const post = async (body: string, delivery: string = crypto.randomUUID()) => {
      const res = await service.app.request('/v1/webhooks/github', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'registry_package',
          'x-github-delivery': delivery,
          'x-hub-signature-256': await githubSignature(SECRET, body),
        },
        body,
      });
      expect(res.status).toBe(202);
      return (await res.json()) as { jobs: string[]; duplicates: number };
    };
    const stage = async (image: string, tag: string) =>
      expect(
        (
          await runCopy(
            service,
            { source: `${source}/ferry-test/${image}:v1`, target: `${registry}/${owner}/app:${tag}` },
            'application/json',
          )
        ).status,
      ).toBe(200);
    return { service, prod, event, post, stage };
  }

  it('the captured 1.0.0 body sent again under a new delivery id runs nothing; stable stays at 2.0.0', async () => {
    const { service, prod, event, post, stage } = setup();
    await stage('v2s2', '1.0.0');
    await stage('multiarch', '2.0.0');
    const first = event('1.0.0', V2S2.digest, 101);
    const one = await post(first, 'd-100');
    expect(await waitForJob(service, one.jobs[0]!)).toMatchObject({ state: 'done' });
    const two = await post(event('2.0.0', MULTIARCH.digest, 102), 'd-200');
    expect(await waitForJob(service, two.jobs[0]!)).toMatchObject({ state: 'done' });
    expect(await post(first, 'd-100-replayed')).toMatchObject({ jobs: [], duplicates: 1 });
    expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:stable`)).raw).toBe(MULTIARCH.raw);
  }, 60_000);

  it('a redelivery of an event whose job failed runs again', async () => {
    const { service, event, post, stage } = setup();
    const body = event('1.0.0', V2S2.digest, 201);
    const failed = await post(body);
    expect(await waitForJob(service, failed.jobs[0]!)).toMatchObject({ state: 'failed' }); // not staged yet
    await stage('v2s2', '1.0.0');
    const again = await post(body);
    expect(again.jobs).toHaveLength(1);
    expect(again.jobs[0]).not.toBe(failed.jobs[0]);
    expect(await waitForJob(service, again.jobs[0]!)).toMatchObject({ state: 'done' });
  }, 60_000);

  it('"monotonic": a genuine 1.0.0 event after 2.0.0 fails as a conflict and leaves stable at 2.0.0', async () => {
    const { service, prod, event, post, stage } = setup({ monotonic: true });
    await stage('multiarch', '2.0.0');
    await stage('v2s2', '1.0.0');
    const two = await post(event('2.0.0', MULTIARCH.digest, 302));
    expect(await waitForJob(service, two.jobs[0]!)).toMatchObject({ state: 'done' });
    const one = await post(event('1.0.0', V2S2.digest, 301));
    const job = await waitForJob(service, one.jobs[0]!);
    expect(job).toMatchObject({
      state: 'failed',
      error: { code: 'CONFLICT', message: expect.stringContaining('monotonic') },
    });
    expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:stable`)).raw).toBe(MULTIARCH.raw);
  }, 60_000);

  it('"monotonic" needs a semver filter', () => {
    expect(() =>
      makeService({
        registries: {},
        promotion: {
          rules: [
            {
              name: 'm',
              source: { repository: 'r.io/a/*', tags: { exact: 'v1' } },
              targets: [{ repository: 'r.io/b/c', tags: ['x'] }],
              monotonic: true,
            },
          ],
        },
      }),
    ).toThrowError(/monotonic: needs a semver/);
  });
});

describe("B15: bodies that are not event objects are a 400 with the receiver's proof valid", () => {
  const SECRET = 'null-bodies-secret-9d1f0c';
  const service = () =>
    makeService(
      {
        registries: localRegistries(registry),
        webhooks: {
          receivers: {
            github: { format: 'github', registry, secret: SECRET },
            dist: { format: 'distribution', registry, secret: SECRET },
            harbor: { format: 'harbor', registry, secret: SECRET },
            ['d'.repeat(40)]: { format: 'dockerhub', registry },
          },
        },
      },
      { jobs: true },
    );
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it.each([
    ['github', 'null'],
    ['github', '[null]'],
    ['dist', '{"events":[null]}'],
    ['dist', 'null'],
    ['harbor', '{"type":"PUSH_ARTIFACT","event_data":{"resources":[null],"repository":{"repo_full_name":"a/b"}}}'],
    ['d'.repeat(40), `{"push_data":{"tag":"v1","pushed_at":${deep(3000)}},"repository":{"repo_name":"a/b"}}`],
  ])('%s: %s', async (id, body) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: id === 'harbor' ? SECRET : `Bearer ${SECRET}`,
    };
    if (id === 'github')
      Object.assign(headers, {
        'x-github-event': 'registry_package',
        'x-github-delivery': 'x',
        'x-hub-signature-256': await githubSignature(SECRET, body),
      });
    const res = await service().app.request(`/v1/webhooks/${id}`, { method: 'POST', headers, body });
    expect(res.status).toBeLessThan(500);
    expect([400, 202]).toContain(res.status);
  });
});

it('a dockerhub receiver for "docker.io" matches rules written for Docker Hub', async () => {
  const id = `hub-${'h'.repeat(40)}`;
  const refused: string[] = [];
  const service = makeService(
    {
      registries: {},
      allowPublicRegistries: true,
      webhooks: { receivers: { [id]: { format: 'dockerhub', registry: 'docker.io' } } },
      promotion: {
        rules: [
          {
            name: 'hub',
            source: { repository: 'docker.io/library/*', tags: { exact: 'v1' } },
            targets: [{ repository: 'docker.io/acme/mirror', tags: ['{tag}'] }],
          },
        ],
      },
    },
    { jobs: true, fetch: loopbackOnlyFetch(refused) },
  );
  const res = await service.app.request(`/v1/webhooks/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ push_data: { tag: 'v1', pushed_at: 1 }, repository: { repo_name: 'alpine' } }),
  });
  expect(res.status).toBe(202);
  expect(((await res.json()) as { jobs: string[] }).jobs).toHaveLength(1);
});
