// A streamed copy whose client goes away is not lost: its rest is handed to a job, whose URL the
// response promised in its first bytes (the ferry-job header), audited as handed over.

import { expect, inject, it } from 'vitest';
import { judge, leaveStreamedCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

it('an NDJSON copy whose client disconnects mid-copy completes as the job the response promised', async () => {
  const service = makeService({ registries: localRegistries(source, target) }, { jobs: true });
  const { repository, tag, digest } = fixture.bulk.layers;
  const prod = uniqueRepository('disconnect/layers');
  const id = await leaveStreamedCopy((path, init) => service.app.request(path, init), {
    source: `${source}/${repository}:${tag}`,
    target: `${target}/${prod}:v1`,
  });
  const job = await waitForJob(service, id, {}, 60);
  expect(job, JSON.stringify(job)).toMatchObject({
    state: 'done',
    reason: 'the client disconnected: the rest of the copy runs as a job',
    result: { digest },
  });
  expect((await judge(fixture.judge, 'raw', `${target}/${prod}:v1`)).raw).toBe(
    (await judge(fixture.judge, 'raw', `${source}/${repository}:${tag}`)).raw,
  );
  await service.settle();
  const audit = (await (await service.app.request('/v1/audit')).json()) as {
    records: { outcome: string; job?: string }[];
  };
  expect(
    audit.records
      .filter((r) => r.job === job.id)
      .map((r) => r.outcome)
      .sort(),
  ).toEqual(['handed-over', 'ok']);
}, 90_000);

it('without a job runner a streamed copy promises no job, and runs to its end', async () => {
  const service = makeService({ registries: localRegistries(source, target) });
  const answer = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({
      source: `${source}/ferry-test/v2s2:v1`,
      target: `${target}/${uniqueRepository('disconnect/no-runner')}:v1`,
    }),
  });
  expect(answer.headers.get('ferry-job')).toBeNull();
  const events = new TextDecoder()
    .decode(await answer.arrayBuffer())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  expect(events.at(-1)).toMatchObject({ type: 'done', result: { digest: fixture.skopeo.anonymous.v2s2!.digest } });
});

it('the promised job id resolves whatever happens: a streamed copy that ends in its request is recorded there, done or failed', async () => {
  const service = makeService({ registries: localRegistries(source, target) }, { jobs: true });
  const stream = async (body: unknown) => {
    const answer = await service.app.request('/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify(body),
    });
    const id = answer.headers.get('ferry-job')!.split('/').at(-1)!;
    await answer.text();
    const res = await service.app.request(`/v1/jobs/${id}`);
    return { status: res.status, job: (await res.json()) as any };
  };
  const done = await stream({
    source: `${source}/ferry-test/v2s2:v1`,
    target: `${target}/${uniqueRepository('promised/done')}:v1`,
  });
  expect(done).toMatchObject({
    status: 200,
    job: { state: 'done', reason: 'ran in its request', result: { digest: fixture.skopeo.anonymous.v2s2!.digest } },
  });
  // Its record counts what the copy moved, as a job's does (user-experience review v2, 14: it read "0/0 blobs").
  const { blobsDone, blobsTotal, bytesDone } = done.job.progress;
  expect([blobsDone, bytesDone > 0]).toEqual([blobsTotal, true]);
  expect(blobsTotal).toBeGreaterThan(0);
  const failed = await stream({
    source: `${source}/ferry-test/no-such-image:v1`,
    target: `${target}/${uniqueRepository('promised/failed')}:v1`,
  });
  expect(failed).toMatchObject({ status: 200, job: { state: 'failed', error: { code: 'NOT_FOUND' } } });
});
