// Job paths on wrangler's local Workflows engine (`npm start`), judged at the target: a webhook promotion of a
// 300-layer image to four targets (its blobs in one batch instance per target, ids <job>_t<n>), and a webhook
// event redelivered after its job failed (a retry instance, <job>_r<n>), and a streamed copy whose client went
// away, handed over to the job its response promised. The many-tags copy (batches <job>_<n>) is in
// workers-jobs.node.test.ts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { leaveStreamedCopy, uniqueRepository } from '../support/copying.js';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const SECRET = 'engine-scenarios-webhook-secret';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const state = mkdtempSync(join(tmpdir(), 'ferry-wf-scenarios-'));
let ferry: FerryProcess;
const suffix = crypto.randomUUID().slice(0, 8);
const fanout = Array.from({ length: 4 }, (_, i) => `wf-prod-${i}/app-${suffix}`);

beforeAll(async () => {
  ferry = await startFerry(
    {
      registries: localRegistries(source, target),
      // One blob at a time: the 300-layer copy then lasts long enough that a client's disconnect, which reaches
      // workerd through wrangler's proxy some seconds late on a busy machine, still arrives mid-copy.
      copy: { concurrency: 1 },
      callers: { anonymous: true },
      webhooks: { receivers: { staging: { format: 'distribution', registry: target, secret: SECRET } } },
      promotion: {
        rules: [
          {
            name: 'fanout',
            source: { repository: `${target}/wf-staging/fanout-*`, tags: { exact: '1.0.0' } },
            targets: fanout.map((r) => ({ repository: `${target}/${r}`, tags: ['{tag}'] })),
          },
          {
            name: 'immutable',
            source: { repository: `${target}/wf-staging/retry-*`, tags: { exact: '2.0.0' } },
            targets: [{ repository: `${target}/wf-prod-retry/app-${suffix}`, tags: ['{tag}'] }],
          },
        ],
      },
    },
    {},
    state,
    'workerd',
  );
}, 120_000);

afterAll(async () => {
  await ferry?.stop();
  rmSync(state, { recursive: true, force: true });
});

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${ferry.base}${path}`, init);
  return { status: res.status, body: (await res.json()) as any };
}

async function finished(id: string, seconds: number) {
  let job: any;
  for (let i = 0; i < seconds * 5; i++) {
    job = (await call(`/v1/jobs/${id}`)).body;
    if (job.state === 'done' || job.state === 'failed') return job;
    await new Promise((r) => setTimeout(r, 200));
  }
  return job;
}

async function stage(from: string, to: string) {
  const accepted = await call('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: from, target: to, wait: false }),
  });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  expect((await finished(accepted.body.id, 240)).state).toBe('done');
}

function notify(id: string, repository: string, tag: string, digest: string, mediaType: string) {
  return call('/v1/webhooks/staging', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${SECRET}`,
      'content-type': 'application/vnd.docker.distribution.events.v1+json',
    },
    body: JSON.stringify({ events: [{ id, action: 'push', target: { mediaType, digest, repository, tag } }] }),
  });
}

async function digestAt(repository: string, tag: string) {
  const res = await fetch(`http://${target}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: `${INDEX}, ${MANIFEST}` },
  });
  return res.status === 200 ? res.headers.get('docker-content-digest') : null;
}

// First in this file: no copy before it has put these blobs at the target, so they are streamed, not mounted.
it('a streamed copy whose client disconnects is handed over to the job its response promised, to the end', async () => {
  const { repository, tag, digest } = fixture.bulk.layers;
  const prod = uniqueRepository('wf-disconnect/layers');
  const id = await leaveStreamedCopy((path, init) => fetch(`${ferry.base}${path}`, init), {
    source: `${source}/${repository}:${tag}`,
    target: `${target}/${prod}:v1`,
  });
  const job = await finished(id, 240);
  expect(job, JSON.stringify(job).slice(0, 1500)).toMatchObject({
    state: 'done',
    reason: 'the client disconnected: the rest of the copy runs as a job',
    result: { digest },
  });
  expect(await digestAt(prod, 'v1')).toBe(digest);
}, 300_000);

it('a webhook promotion of a 300-layer image to four targets runs its blob batches on the engine to the end', async () => {
  const staging = uniqueRepository('wf-staging/fanout');
  const { repository, tag, digest } = fixture.bulk.layers;
  await stage(`${source}/${repository}:${tag}`, `${target}/${staging}:1.0.0`);
  const sent = await notify(`fanout-${suffix}`, staging, '1.0.0', digest, MANIFEST);
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  const [id] = sent.body.jobs as string[];
  const job = await finished(id!, 300);
  expect(job.state, JSON.stringify(job).slice(0, 1500)).toBe('done');
  // One batch instance per target moved the blobs (the engine refused the ids these had: <job>.t<n>).
  expect(job.batches).toEqual(fanout.map((_, i) => `${id}_t${i}`));
  for (const r of fanout) expect([r, await digestAt(r, '1.0.0')]).toEqual([r, digest]);
}, 420_000);

it('an event redelivered after its job failed runs again as a retry instance, to the end', async () => {
  const staging = uniqueRepository('wf-staging/retry');
  const prod = `wf-prod-retry/app-${suffix}`;
  const wanted = fixture.skopeo.anonymous['release-a']!;
  const other = fixture.skopeo.anonymous['release-b']!;
  await stage(`${source}/ferry-test/release-a:v1`, `${target}/${staging}:2.0.0`);
  // The target tag names another image: the immutable rule's job fails with CONFLICT.
  await stage(`${source}/ferry-test/release-b:v1`, `${target}/${prod}:2.0.0`);
  const event = `retry-${suffix}`;
  const first = await notify(event, staging, '2.0.0', wanted.digest, INDEX);
  expect(first.status, JSON.stringify(first.body)).toBe(202);
  const failed = await finished(first.body.jobs[0], 120);
  expect([failed.state, failed.error?.code]).toEqual(['failed', 'CONFLICT']);
  // The conflict cleared (the other image removed from the target), the sender delivers the event again.
  const removed = await fetch(`http://${target}/v2/${prod}/manifests/${other.digest}`, { method: 'DELETE' });
  expect(removed.status).toBe(202);
  const again = await notify(event, staging, '2.0.0', wanted.digest, INDEX);
  expect(again.status, JSON.stringify(again.body)).toBe(202);
  const [retry] = again.body.jobs as string[];
  expect(retry).toBe(`${first.body.jobs[0]}_r1`);
  const done = await finished(retry!, 120);
  expect(done.state, JSON.stringify(done).slice(0, 1500)).toBe('done');
  expect(await digestAt(prod, '2.0.0')).toBe(wanted.digest);
}, 300_000);
