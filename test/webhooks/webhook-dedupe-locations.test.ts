// The same webhook delivery arriving twice, one second apart, at two locations: one job, one promotion.
// On workerd the two locations are the strict platform's (one service, KV views that lag each other); on
// Node, two services with their own KV sharing one state store, as Workers locations share Durable
// Objects. KV alone could not decide this: each location's view still misses the other's write.

import { makeState } from '@test-runtime';
import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { githubSignature } from '../support/github-signature.js';
import { makeService } from '../support/service.js';
import { LOCATION_HEADER } from '../support/strict-platform.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;
const SECRET = 'github-hook-secret-7a1e5c3b';

const sign = (body: string) => githubSignature(SECRET, body);

it('one delivery at two locations, 1 s apart: one job and one promotion; the second answers as a duplicate', async () => {
  const owner = uniqueRepository('org').replace('/', '-');
  const prod = uniqueRepository('prod/dedupe');
  const config = {
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
  };
  const state = makeState();
  let clock = Date.now();
  const here = makeService(config, { jobs: true, state });
  const there = here.platform ? here : makeService(config, { jobs: true, state });
  for (const location of [here, there]) location.deps.now = () => clock;

  const staged = await runCopy(
    here,
    { source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`, target: `${registry}/${owner}/app:1.2.3` },
    'application/json',
  );
  expect(staged.status).toBe(200);
  const body = JSON.stringify({
    action: 'published',
    registry_package: {
      name: 'app',
      package_type: 'CONTAINER',
      owner: { login: owner },
      package_version: {
        container_metadata: { tag: { name: '1.2.3', digest: fixture.skopeo.anonymous.v2s2!.digest } },
      },
    },
  });
  const headers = {
    'content-type': 'application/json',
    'x-github-event': 'registry_package',
    'x-github-delivery': crypto.randomUUID(),
    'x-hub-signature-256': await sign(body),
  };
  const deliver = async (location: typeof here, name: string) =>
    (
      await location.app.request('/v1/webhooks/github', {
        method: 'POST',
        headers: { ...headers, [LOCATION_HEADER]: name },
        body,
      })
    ).json() as Promise<{ jobs: string[]; duplicates: number }>;

  const first = await deliver(here, 'a');
  clock += 1000;
  const second = await deliver(there, 'b');
  expect(first).toMatchObject({ duplicates: 0 });
  expect(first.jobs).toHaveLength(1);
  expect(second).toMatchObject({ jobs: [], duplicates: 1 });
  const job = await waitForJob(here, first.jobs[0]!);
  expect(job, JSON.stringify(job)).toMatchObject({ state: 'done', runs: 1 });
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:1.2.3`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);
  // A third delivery after the job finished leaves the finished job as it is.
  clock += 60_000;
  expect(await deliver(there, 'b')).toMatchObject({ jobs: [], duplicates: 1 });
  expect(await waitForJob(there, first.jobs[0]!)).toMatchObject({ state: 'done', runs: 1, updatedAt: job.updatedAt });
  // On workerd: the two deliveries were served at two locations, and one Workflow instance ran the job.
  if (here.platform) {
    expect(
      here.platform.invocations.filter((i) => i.name === 'POST /v1/webhooks/github').map((i) => i.location),
    ).toEqual(['a', 'b', 'b']);
    expect([...here.workflows!.instances.keys()]).toEqual([first.jobs[0]]);
  }
}, 60_000);
