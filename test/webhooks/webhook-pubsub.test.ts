// Artifact Registry notifications through Pub/Sub push: the Google-signed OIDC token is verified with jose
// (here against a local JWKS fixture); a token for another audience is refused.

import { importJWK, SignJWT } from 'jose';
import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;
const ISSUER = 'https://accounts.google.example.test';
const AUDIENCE = 'https://ferry.example.test/v1/webhooks/gar';

async function token(audience: string): Promise<string> {
  const jwk = fixture.oidc.keys.first;
  return new SignJWT({ email: 'pubsub@project.iam.gserviceaccount.com', email_verified: true })
    .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid! })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(await importJWK(jwk, jwk.alg));
}

it('a Pub/Sub push with a valid token promotes; one for another audience is refused', async () => {
  const staging = uniqueRepository('gar/app');
  const prod = uniqueRepository('prod/gar');
  const service = makeService(
    {
      registries: localRegistries(fixture.registries.anonymous.host, registry),
      webhooks: {
        receivers: {
          gar: {
            format: 'pubsub',
            registry,
            token: {
              issuer: ISSUER,
              jwksUri: `${fixture.oidc.base}/jwks/${crypto.randomUUID()}`,
              audience: AUDIENCE,
              serviceAccountEmail: 'pubsub@project.iam.gserviceaccount.com',
            },
          },
        },
      },
      promotion: {
        rules: [
          {
            name: 'gar',
            source: { repository: `${registry}/gar/**`, tags: { exact: 'v7' } },
            targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}'] }],
          },
        ],
      },
    },
    { jobs: true },
  );
  expect(
    (
      await runCopy(
        service,
        { source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`, target: `${registry}/${staging}:v7` },
        'application/json',
      )
    ).status,
  ).toBe(200);
  const digest = fixture.skopeo.anonymous.v2s2!.digest;
  const data = btoa(
    JSON.stringify({
      action: 'INSERT',
      digest: `us-docker.pkg.dev/${staging}@${digest}`,
      tag: `us-docker.pkg.dev/${staging}:v7`,
    }),
  );
  const body = JSON.stringify({
    message: { data, messageId: crypto.randomUUID() },
    subscription: 'projects/p/subscriptions/ferry',
  });
  const push = async (jwt: string) =>
    service.app.request('/v1/webhooks/gar', {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body,
    });

  expect((await push(await token('https://someone-else.example.test'))).status).toBe(401);
  const accepted = await push(await token(AUDIENCE));
  expect(accepted.status).toBe(202);
  const { jobs } = (await accepted.json()) as { jobs: string[] };
  expect(jobs).toHaveLength(1);
  const job = await waitForJob(service, jobs[0]!);
  expect(job, JSON.stringify(job)).toMatchObject({ state: 'done', caller: 'webhook:gar' });
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:v7`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);
});
