// "wait": false turns a copy into a job: 202 at once, then GET /v1/jobs/<id> for its state and result.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { judge, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

const post = (service: ReturnType<typeof makeService>, body: unknown, headers: Record<string, string> = {}) =>
  service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

it('a job is accepted at once and reports its result when done; others cannot see it', async () => {
  const keys = { owner: 'job-owner-key-1', other: 'job-other-key-2' };
  const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
  const service = makeService(
    {
      registries: localRegistries(source, target),
      callers: {
        apiKeys: [
          { name: 'owner', sha256: await hash(keys.owner) },
          { name: 'other', sha256: await hash(keys.other) },
        ],
        grants: [
          { apiKey: 'owner', actions: ['inspect', 'copy'], repositories: ['**/**'] },
          { apiKey: 'other', actions: ['inspect', 'copy'], repositories: ['**/**'] },
        ],
      },
    },
    { jobs: true },
  );
  const repository = uniqueRepository('jobs/app');
  const accepted = await post(
    service,
    { source: `${source}/ferry-test/multiarch:v1`, target: `${target}/${repository}:v1`, wait: false },
    { authorization: `Bearer ${keys.owner}` },
  );
  expect(accepted.status).toBe(202);
  const { id, url, state } = (await accepted.json()) as { id: string; url: string; state: string };
  expect(state).toBe('queued');
  const job = await waitForJob(service, id, { authorization: `Bearer ${keys.owner}` });
  expect(job).toMatchObject({
    id,
    state: 'done',
    runs: 1,
    result: { digest: fixture.skopeo.anonymous.multiarch!.digest, tags: ['v1'] },
  });
  expect(job.progress.blobsDone).toBe(job.progress.blobsTotal);
  expect((await judge(fixture.judge, 'copy-all', `${target}/${repository}:v1`)).ok).toBe(true);
  const foreign = await service.app.request(url, { headers: { authorization: `Bearer ${keys.other}` } });
  expect(foreign.status).toBe(404);
});

it('where no job runner is configured, "wait": false is refused clearly', async () => {
  const service = makeService({ registries: localRegistries(source, target) });
  const res = await post(service, { source: `${source}/ferry-test/v2s2:v1`, target: `${target}/x:v1`, wait: false });
  expect(res.status).toBe(501);
  expect(((await res.json()) as { code: string }).code).toBe('NOT_SUPPORTED');
});
