// A sync run's source announces its pull quota as Docker Hub does, on wrangler's Workflows engine (`npm start`,
// a real clock): once no more than the reserve remains, the run's copy sleeps in its instance until the
// quota's window has passed (a hold longer than a step may wait becomes a sleep between steps), then goes on.
// Nothing fails. The window is seconds long here (the fault proxy's ";w="), Hub's is six hours.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { uniqueRepository } from '../support/copying.js';
import { sendJson, startFerry, type FerryProcess } from '../support/ferry-process.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const state = mkdtempSync(join(tmpdir(), 'ferry-quota-engine-'));
let ferry: FerryProcess | undefined;
afterAll(async () => {
  await ferry?.stop();
  rmSync(state, { recursive: true, force: true });
});

const WINDOW_SECONDS = 6;

const send = (method: string, path: string, body?: unknown) => sendJson(ferry!, method, path, body);

it('a run whose source falls to its pull reserve sleeps on the engine until the window passed, then ends done', async () => {
  const hub = fixture.faultProxy;
  const target = fixture.targets.anonymous.host;
  // A window of its own for this run: it starts with the run's first request to the source.
  const window = `3;w=${WINDOW_SECONDS};${crypto.randomUUID().slice(0, 8)}`;
  ferry = await startFerry(
    {
      registries: {
        ...localRegistries(target),
        [hub]: {
          insecure: true,
          headers: { 'x-ferry-fault': 'docker-hub-quota', 'x-ferry-fault-arg': window },
          pullReserve: 5,
        },
      },
      syncs: [
        {
          name: 'from-hub',
          sources: [{ registry: hub, repositories: ['ferry-test/multiarch'] }],
          target: { registry: target, path: `${uniqueRepository('hub-engine')}/{repository}` },
          tags: { regex: '^v1$' },
        },
      ],
      // A step waits a second at most for a registry's hold: the quota's window is slept between steps.
      jobs: { registryWaitInStepSeconds: 1 },
      callers: { anonymous: true },
    },
    {},
    state,
    'workerd',
  );
  const started = Date.now();
  const { run } = await send('POST', '/v1/syncs/from-hub/runs');
  expect(run?.jobs, JSON.stringify(run)).toHaveLength(1);
  const [id] = run.jobs as [string];
  // The run's job plans its repository, then copies in a batch (a job of its own), which sleeps.
  let job: any;
  let held: any;
  for (let i = 0; i < 300 && job?.state !== 'done' && job?.state !== 'failed'; i++) {
    job = await send('GET', `/v1/jobs/${id}`);
    for (const batch of job?.batches ?? []) {
      const waiting = (await send('GET', `/v1/jobs/${batch}`))?.waiting;
      if (waiting?.lane === 'registry hold') held = waiting;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(job, JSON.stringify(job)).toMatchObject({ state: 'done' });
  // It slept in its instance, as its record said while it did, for the rest of the window.
  expect(held, JSON.stringify(job)).toMatchObject({ lane: 'registry hold', until: expect.any(String) });
  expect(Date.parse(held.until) - started).toBeGreaterThan(1000);
  expect(Date.now() - started).toBeGreaterThanOrEqual(WINDOW_SECONDS * 1000);
  const runs = await send('GET', '/v1/syncs/from-hub/runs');
  expect(runs.runs[0], JSON.stringify(runs.runs[0])).toMatchObject({ state: 'done', counts: { copied: 1, failed: 0 } });
}, 120_000);
