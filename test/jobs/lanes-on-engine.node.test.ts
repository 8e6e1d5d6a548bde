// Fair job slots on wrangler's Workflows engine (`npm start`): a job past its tenant's limit waits in its
// instance (step.waitForEvent) and is woken by the event a job that ends sends (lane-slots.ts), with no
// polling in between.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { uniqueRepository } from '../support/copying.js';
import { sendJson, startFerry, type FerryProcess } from '../support/ferry-process.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const state = mkdtempSync(join(tmpdir(), 'ferry-lanes-'));
let ferry: FerryProcess | undefined;
afterAll(async () => {
  await ferry?.stop();
  rmSync(state, { recursive: true, force: true });
});

const send = (method: string, path: string, body?: unknown) => sendJson(ferry!, method, path, body);

it("a job past its tenant's limit waits on the engine, and runs once the job holding the slot is cancelled", async () => {
  const source = fixture.registries.anonymous.host;
  const target = fixture.targets.anonymous.host;
  const hostile = fixture.faultProxy;
  ferry = await startFerry(
    {
      registries: {
        ...localRegistries(source, target),
        [hostile]: { insecure: true, headers: { 'x-ferry-fault': 'never-answer', 'x-ferry-fault-arg': 'manifests' } },
      },
      upstream: { headersTimeoutSeconds: 3600 },
      jobs: { tenantConcurrency: 1 },
      callers: { anonymous: true },
    },
    {},
    state,
    'workerd',
  );
  const stuck = await send('POST', '/v1/copy', {
    source: `${hostile}/slow/app:v1`,
    target: `${target}/${uniqueRepository('engine-lane-stuck')}:v1`,
    wait: false,
  });
  await new Promise((r) => setTimeout(r, 1000)); // it takes the slot, then hangs in its plan step
  const next = await send('POST', '/v1/copy', {
    source: `${source}/ferry-test/v2s2:v1`,
    target: `${target}/${uniqueRepository('engine-lane-next')}:v1`,
    wait: false,
  });
  let waiting: any;
  for (let i = 0; i < 100 && !waiting?.waiting; i++) {
    waiting = await send('GET', `/v1/jobs/${next.id}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(waiting, JSON.stringify(waiting)).toMatchObject({ state: 'queued', waiting: { lane: 'tenant:anonymous' } });

  await send('DELETE', `/v1/jobs/${stuck.id}`);
  let job: any;
  for (let i = 0; i < 150 && job?.state !== 'done' && job?.state !== 'failed'; i++) {
    job = await send('GET', `/v1/jobs/${next.id}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(job, JSON.stringify(job)).toMatchObject({ state: 'done' });
  // Done within the loop's 30 s: woken by the event, since its wait's own timeout is 10 minutes.
  expect(job.waiting).toBeUndefined();
}, 120_000);
