// A synchronous copy of more tags than copy.syncMaxTags does not run in the request: it answers 202 with
// a job (and Location), saying why, before any manifest is fetched; the job then copies every tag.

import { expect, inject, it } from 'vitest';
import { judge, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;

it('a many-tags copy over copy.syncMaxTags becomes a job from the tag list alone, and completes', async () => {
  const staging = uniqueRepository('sized/staging');
  const prod = uniqueRepository('sized/prod');
  const service = makeService(
    {
      registries: localRegistries(fixture.registries.anonymous.host, registry),
      copy: { syncMaxTags: 2 },
    },
    { jobs: true },
  );
  const post = (body: unknown) =>
    service.app.request('/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect(
    (
      await post({
        source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`,
        target: `${registry}/${staging}:1.0.0`,
        tags: ['1.0.1', '1.0.2'],
      })
    ).status,
  ).toBe(200);

  service.requests.length = 0;
  const answer = await post({
    source: `${registry}/${staging}`,
    target: `${registry}/${prod}`,
    tags: { regex: '^1\\.0\\.' },
  });
  expect(answer.status).toBe(202);
  const body = (await answer.json()) as { id: string; reason: string; url: string };
  expect(body.reason).toBe('3 tags > copy.syncMaxTags 2: copied as a job');
  expect(answer.headers.get('location')).toBe(`/v1/jobs/${body.id}`);
  // Before answering, the request asked for the tag list and nothing else of the source.
  const asked = service.requests
    .filter((r) => new URL(r.url).pathname.startsWith(`/v2/${staging}/`))
    .map((r) => new URL(r.url).pathname);
  expect(
    asked.every((p) => p === `/v2/${staging}/tags/list`),
    asked.join('\n'),
  ).toBe(true);

  const job = await waitForJob(service, body.id);
  expect(job, JSON.stringify(job)).toMatchObject({ state: 'done', reason: body.reason });
  for (const tag of ['1.0.0', '1.0.1', '1.0.2'])
    expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:${tag}`)).raw).toBe(
      fixture.skopeo.anonymous.v2s2!.raw,
    );
}, 60_000);

it('at or under copy.syncMaxTags the copy runs in the request', async () => {
  const prod = uniqueRepository('sized/small');
  const service = makeService(
    {
      registries: localRegistries(fixture.registries.anonymous.host, registry),
      copy: { syncMaxTags: 5 },
    },
    { jobs: true },
  );
  const answer = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: `${fixture.registries.anonymous.host}/ferry-test/v2s2`,
      target: `${registry}/${prod}`,
      tags: 'all',
    }),
  });
  expect(answer.status).toBe(200);
  expect(((await answer.json()) as { results: unknown[] }).results.length).toBeGreaterThan(0);
  // The tag list read for the budget is the one copied from: asked once.
  expect(service.requests.filter((r) => new URL(r.url).pathname === '/v2/ferry-test/v2s2/tags/list')).toHaveLength(1);
});

it('a plan over the synchronous budget answers 202 with a job before any blob moves, and says why', async () => {
  const prod = uniqueRepository('sized/budget');
  const service = makeService(
    {
      registries: localRegistries(fixture.registries.anonymous.host, registry),
      copy: { syncBudget: { subrequests: 30 } },
    },
    { jobs: true },
  );
  const { repository, tag, digest, count } = fixture.bulk.layers;
  const answer = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: `${fixture.registries.anonymous.host}/${repository}:${tag}`,
      target: `${registry}/${prod}:v1`,
    }),
  });
  expect(answer.status).toBe(202);
  const body = (await answer.json()) as { id: string; reason: string };
  // 16 fixed, 4 for each of 301 blobs, 2 for the manifest, 2 for the tag.
  expect(body.reason).toBe(
    `plan exceeds synchronous budget: ${(16 + 4 * (count + 1) + 2 + 2).toLocaleString('en-US')} subrequests > 30`,
  );
  expect(answer.headers.get('location')).toBe(`/v1/jobs/${body.id}`);
  const beforeAnswer = service.requests.filter((r) => r.url.includes('/blobs/'));
  expect(beforeAnswer).toEqual([]);
  const job = await waitForJob(service, body.id, {}, 60);
  expect(job, JSON.stringify(job)).toMatchObject({ state: 'done', reason: body.reason, result: { digest } });
  const audit = await service.app.request('/v1/audit');
  expect(((await audit.json()) as { records: unknown[] }).records).toContainEqual(
    expect.objectContaining({ outcome: 'handed-over', job: body.id, reason: body.reason }),
  );
}, 90_000);

it('a streamed copy over budget ends with a job event; its job was promised in a header at once', async () => {
  const prod = uniqueRepository('sized/budget-stream');
  const service = makeService(
    {
      registries: localRegistries(fixture.registries.anonymous.host, registry),
      copy: { syncBudget: { subrequests: 20 } },
    },
    { jobs: true },
  );
  const answer = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({
      source: `${fixture.registries.anonymous.host}/ferry-test/multiarch:v1`,
      target: `${registry}/${prod}:v1`,
    }),
  });
  const promised = answer.headers.get('ferry-job');
  const events = new TextDecoder()
    .decode(await answer.arrayBuffer())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  expect(events.at(-1)).toMatchObject({
    type: 'job',
    url: promised,
    reason: expect.stringMatching(/^plan exceeds synchronous budget: \d+ subrequests > 20$/),
  });
  expect(events.some((e) => e.type === 'started' || e.type === 'mounted')).toBe(false);
  expect(await waitForJob(service, events.at(-1).id)).toMatchObject({
    state: 'done',
    result: { digest: fixture.skopeo.anonymous.multiarch!.digest },
  });
});
