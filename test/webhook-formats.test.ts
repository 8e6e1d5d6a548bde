// Harbor, ACR, Docker Hub and Quay events start promotions too, each with its own proof.

import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository, waitForJob } from './support/copying.js';
import { makeService } from './support/service.js';

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
      registries: { [fixture.registries.anonymous.host]: { insecure: true }, [registry]: { insecure: true } },
      webhooks: {
        receivers: {
          harbor: { format: 'harbor', registry, secret: HARBOR },
          acr: { format: 'acr', registry, secret: ACR, header: 'X-Ferry-Token' },
          [PATH_ID]: { format: 'dockerhub', registry },
          [QUAY_ID]: { format: 'quay', registry },
        },
      },
      promotion: { rules: [{ name: 'hooks', source: { repository: `${registry}/${staging}/app`, tags: { exact: '1.2.3' } }, targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}'] }] }] },
    },
    { jobs: true },
  );
  expect((await runCopy(service, { source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`, target: `${registry}/${staging}/app:1.2.3` }, 'application/json')).status).toBe(200);
  const digest = fixture.skopeo.anonymous.v2s2!.digest;
  const repo = `${staging}/app`;
  const deliveries: [string, Record<string, string>, unknown][] = [
    ['harbor', { authorization: HARBOR }, { type: 'PUSH_ARTIFACT', event_data: { resources: [{ digest, tag: '1.2.3' }], repository: { repo_full_name: repo } } }],
    ['acr', { 'x-ferry-token': ACR }, { id: crypto.randomUUID(), action: 'push', target: { repository: repo, tag: '1.2.3', digest, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' } }],
    [PATH_ID, {}, { push_data: { tag: '1.2.3', pushed_at: Date.now() }, repository: { repo_name: repo } }],
    [QUAY_ID, {}, { repository: repo, updated_tags: ['1.2.3', 'other'], docker_url: `quay.example/${repo}` }],
  ];
  const post = (receiver: string, headers: Record<string, string>, body: unknown) =>
    service.app.request(`/v1/webhooks/${receiver}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

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
  expect(() => makeService({ registries: {}, webhooks: { receivers: { short: { format: 'dockerhub', registry: 'docker.io' } } } })).toThrowError(/receiver id is its secret/);
});
