// Harbor, ACR, Docker Hub and Quay events start promotions too, each with its own proof.

import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;
const HARBOR = 'harbor-auth-header-value-77';
const ACR = 'acr-custom-header-value-88';
const PATH_ID = 'dh0123456789abcdef0123456789abcdef';
const QUAY_ID = 'qy0123456789abcdef0123456789abcdef';

it('each format is verified, parsed and promoted; a wrong proof is refused', async () => {
  const staging = uniqueRepository('hooks/app').replace('/', '-');
  const prod = uniqueRepository('prod/hooks');
  const service = makeService(
    {
      registries: localRegistries(fixture.registries.anonymous.host, registry),
      webhooks: {
        receivers: {
          harbor: { format: 'harbor', registry, secret: HARBOR },
          acr: { format: 'acr', registry, secret: ACR, header: 'X-Ferry-Token' },
          [PATH_ID]: { format: 'dockerhub', registry },
          [QUAY_ID]: { format: 'quay', registry },
        },
      },
      promotion: {
        rules: [
          {
            name: 'hooks',
            source: { repository: `${registry}/${staging}/app`, tags: { exact: '1.2.3' } },
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
        {
          source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`,
          target: `${registry}/${staging}/app:1.2.3`,
        },
        'application/json',
      )
    ).status,
  ).toBe(200);
  const digest = fixture.skopeo.anonymous.v2s2!.digest;
  const repo = `${staging}/app`;
  const deliveries: [string, Record<string, string>, unknown][] = [
    [
      'harbor',
      { authorization: HARBOR },
      {
        type: 'PUSH_ARTIFACT',
        event_data: { resources: [{ digest, tag: '1.2.3' }], repository: { repo_full_name: repo } },
      },
    ],
    [
      'acr',
      { 'x-ferry-token': ACR },
      {
        id: crypto.randomUUID(),
        action: 'push',
        target: {
          repository: repo,
          tag: '1.2.3',
          digest,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        },
      },
    ],
    [PATH_ID, {}, { push_data: { tag: '1.2.3', pushed_at: Date.now() }, repository: { repo_name: repo } }],
    [QUAY_ID, {}, { repository: repo, updated_tags: ['1.2.3', 'other'], docker_url: `quay.example/${repo}` }],
  ];
  const post = (receiver: string, headers: Record<string, string>, body: unknown) =>
    service.app.request(`/v1/webhooks/${receiver}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  expect((await post('harbor', { authorization: 'wrong' }, deliveries[0]![2])).status).toBe(401);
  expect((await post('acr', { 'x-ferry-token': 'wrong' }, deliveries[1]![2])).status).toBe(401);
  for (const [receiver, headers, body] of deliveries) {
    const res = await post(receiver, headers, body);
    expect(res.status, receiver).toBe(202);
    const { jobs } = (await res.json()) as { jobs: string[] };
    expect(jobs, receiver).toHaveLength(1);
    const job = await waitForJob(service, jobs[0]!);
    expect(job, receiver).toMatchObject({ kind: 'promote', state: 'done', caller: `webhook:${receiver}` });
  }
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:1.2.3`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);
});

it('Docker Hub and Quay receivers need an unguessable id', () => {
  expect(() =>
    makeService({ registries: {}, webhooks: { receivers: { short: { format: 'dockerhub', registry: 'docker.io' } } } }),
  ).toThrowError(/receiver id is its secret/);
});

it('a Harbor CloudEvent promotes; a push by digest alone starts nothing; the same digest and tag in two repositories are two events', async () => {
  const staging = uniqueRepository('hooks/ce').replace('/', '-');
  const prod = uniqueRepository('prod/ce');
  const service = makeService(
    {
      registries: localRegistries(fixture.registries.anonymous.host, registry),
      webhooks: { receivers: { harbor: { format: 'harbor', registry, secret: HARBOR } } },
      promotion: {
        rules: [
          {
            name: 'ce',
            source: { repository: `${registry}/${staging}/*`, tags: { exact: '2.0.0' } },
            targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}'] }],
          },
        ],
      },
    },
    { jobs: true },
  );
  const digest = fixture.skopeo.anonymous.v2s2!.digest;
  for (const repo of ['one', 'two']) {
    expect(
      (
        await runCopy(
          service,
          {
            source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`,
            target: `${registry}/${staging}/${repo}:2.0.0`,
          },
          'application/json',
        )
      ).status,
    ).toBe(200);
  }
  const cloudEvent = (repo: string, tag: string) => ({
    specversion: '1.0',
    id: crypto.randomUUID(),
    source: '/projects/1/webhook/policies/1',
    type: 'harbor.artifact.pushed',
    datacontenttype: 'application/json',
    data: { resources: [{ digest, tag }], repository: { repo_full_name: `${staging}/${repo}` } },
  });
  const post = (body: unknown, type = 'application/cloudevents+json') =>
    service.app.request('/v1/webhooks/harbor', {
      method: 'POST',
      headers: { 'content-type': type, authorization: HARBOR },
      body: JSON.stringify(body),
    });

  const byDigest = await post(cloudEvent('one', digest));
  expect(await byDigest.json()).toMatchObject({ events: 0, jobs: [] });

  const pushed = await post(cloudEvent('one', '2.0.0'));
  expect(pushed.status).toBe(202);
  const { jobs } = (await pushed.json()) as { jobs: string[] };
  expect(jobs).toHaveLength(1);
  expect(await waitForJob(service, jobs[0]!)).toMatchObject({ state: 'done' });
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:2.0.0`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);

  // The default format has no event id: the repository is part of what identifies the delivery.
  const plain = (repo: string) => ({
    type: 'PUSH_ARTIFACT',
    occur_at: 1,
    event_data: { resources: [{ digest, tag: '2.0.0' }], repository: { repo_full_name: `${staging}/${repo}` } },
  });
  const first = (await (await post(plain('one'), 'application/json')).json()) as { jobs: string[] };
  const second = (await (await post(plain('two'), 'application/json')).json()) as { jobs: string[] };
  expect(first.jobs).toHaveLength(1);
  expect(second.jobs).toHaveLength(1);
  expect(second.jobs[0]).not.toBe(first.jobs[0]);
  expect(await (await post(plain('two'), 'application/json')).json()).toMatchObject({ jobs: [], duplicates: 1 });
});

it('a body of another format, a body that is not JSON, and a body over 2 MiB are refused with their codes', async () => {
  const service = makeService(
    {
      registries: localRegistries(registry),
      webhooks: { receivers: { harbor: { format: 'harbor', registry, secret: HARBOR } } },
    },
    { jobs: true },
  );
  const post = (body: string) =>
    service.app.request('/v1/webhooks/harbor', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: HARBOR },
      body,
    });
  const other = await post(JSON.stringify({ events: [{ action: 'push' }] }));
  expect(other.status).toBe(400);
  expect(await other.json()).toMatchObject({ code: 'UNKNOWN_EVENT_FORMAT' });
  const notJson = await post('push happened');
  expect(notJson.status).toBe(400);
  expect(await notJson.json()).toMatchObject({ code: 'UNKNOWN_EVENT_FORMAT' });
  const huge = await post(JSON.stringify({ type: 'PUSH_ARTIFACT', padding: 'x'.repeat(2 * 1024 * 1024) }));
  expect(huge.status).toBe(413);
  expect(await huge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
});
