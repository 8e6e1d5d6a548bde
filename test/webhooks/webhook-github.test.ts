// GitHub package events: HMAC over the raw body (constant-time), one run per delivery id, then the promotion.

import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { githubSignature } from '../support/github-signature.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;
const SECRET = 'github-hook-secret-0d4c9a7e';

const sign = (body: string) => githubSignature(SECRET, body);

/** A GitHub receiver and a rule that promotes `<owner>/app` (semver >= 1.0.0) into `prod`. */
function githubService() {
  const owner = uniqueRepository('org').replace('/', '-');
  const prod = uniqueRepository('prod/gh');
  const service = makeService(
    {
      registries: localRegistries(fixture.registries.anonymous.host, registry),
      webhooks: { receivers: { github: { format: 'github', registry, secret: SECRET } } },
      promotion: {
        rules: [
          {
            name: 'gh',
            source: { repository: `${registry}/org-*/app`, tags: { semver: '>=1.0.0' } },
            targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}'] }],
          },
        ],
      },
    },
    { jobs: true },
  );
  return { owner, prod, service };
}

it('a signed package event promotes; a one-byte change is refused; a replayed delivery runs once', async () => {
  const { owner, prod, service } = githubService();
  const staged = await runCopy(
    service,
    { source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`, target: `${registry}/${owner}/app:1.2.3` },
    'application/json',
  );
  expect(staged.status).toBe(200);
  const digest = fixture.skopeo.anonymous.v2s2!.digest;
  const body = JSON.stringify({
    action: 'published',
    registry_package: {
      name: 'app',
      package_type: 'CONTAINER',
      owner: { login: owner },
      package_version: { container_metadata: { tag: { name: '1.2.3', digest } } },
    },
  });
  const delivery = crypto.randomUUID();
  const post = async (payload: string, signature: string) =>
    service.app.request('/v1/webhooks/github', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'registry_package',
        'x-github-delivery': delivery,
        'x-hub-signature-256': signature,
      },
      body: payload,
    });

  const signature = await sign(body);
  const tampered = body.replace('1.2.3', '1.2.4');
  expect(tampered.length).toBe(body.length);
  expect((await post(tampered, signature)).status).toBe(401);

  const accepted = await post(body, signature);
  expect(accepted.status).toBe(202);
  const { jobs } = (await accepted.json()) as { jobs: string[] };
  expect(jobs).toHaveLength(1);
  const job = await waitForJob(service, jobs[0]!);
  expect(job, JSON.stringify(job)).toMatchObject({ kind: 'promote', state: 'done', caller: 'webhook:github' });
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:1.2.3`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);

  const replay = await post(body, signature);
  expect(await replay.json()).toMatchObject({ jobs: [], duplicates: 1 });
});

it('a `package` event counts by its container metadata, not its package_type; an npm package starts nothing', async () => {
  const { owner, prod, service } = githubService();
  expect(
    (
      await runCopy(
        service,
        { source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`, target: `${registry}/${owner}/app:2.0.0` },
        'application/json',
      )
    ).status,
  ).toBe(200);
  const digest = fixture.skopeo.anonymous.v2s2!.digest;
  const deliver = async (pkg: unknown) => {
    const body = JSON.stringify({ action: 'published', package: pkg });
    const res = await service.app.request('/v1/webhooks/github', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'package',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': await sign(body),
      },
      body,
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { jobs: string[] };
  };
  // GitHub's own example of a docker package says "npm".
  const container = await deliver({
    name: 'app',
    package_type: 'npm',
    owner: { login: owner },
    package_version: { container_metadata: { tag: { name: '2.0.0', digest } } },
  });
  expect(container.jobs).toHaveLength(1);
  expect(await waitForJob(service, container.jobs[0]!)).toMatchObject({ state: 'done' });
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:2.0.0`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);
  const npm = await deliver({
    name: 'app',
    package_type: 'npm',
    owner: { login: owner },
    package_version: { version: '2.0.0' },
  });
  expect(npm.jobs).toEqual([]);
});
