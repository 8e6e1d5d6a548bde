// Issue 34, events on Workers: `npm start` (workerd, wrangler's local Workflows engine, its cron fired every two
// seconds) tells a sink of a copy run as a job in a Workflow instance and of a sync run the cron settled. The
// receiver refuses the first attempt of each event: the event comes again, once it is taken, with one id.
// Every delivery verified by the `standardwebhooks` reference library and parsed by the `cloudevents` SDK.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository } from '../support/copying.js';
import { startReceiver, verifiedEvents, whsec } from '../support/event-receiver.js';
import { sendJson, startFerry, type FerryProcess } from '../support/ferry-process.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const SECRET = whsec('a receiver secret of 32 bytes!!!');

// Refuses each event's first attempt (by its webhook-id), takes the next.
const { url, got, close } = await startReceiver((delivery, before) =>
  before.some((d) => d.headers['webhook-id'] === delivery.headers['webhook-id']) ? 200 : 503,
);
const state = mkdtempSync(join(tmpdir(), 'ferry-events-engine-'));
let ferry: FerryProcess | undefined;
afterAll(async () => {
  await ferry?.stop();
  close();
  rmSync(state, { recursive: true, force: true });
});

async function until<T>(what: () => Promise<T | undefined> | T | undefined, seconds = 60): Promise<T> {
  for (let i = 0; i < seconds * 10; i++) {
    const value = await what();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not within ${seconds} s; the receiver got ${JSON.stringify(got.map((d) => d.status))}`);
}

it('a job copy and a sync run reach the sink from the Workflows engine and the cron, after a refused attempt', async () => {
  ferry = await startFerry(
    {
      registries: localRegistries(source, target),
      callers: { anonymous: true },
      events: {
        retry: { firstSeconds: 0.5 },
        sinks: { engine: { url, secrets: [SECRET], allowPrivateAddresses: true, kinds: ['copy', 'sync'] } },
      },
      syncs: [
        {
          name: 'engine-set',
          sources: [{ registry: source, repositories: ['ferry-test/v2s2'] }],
          target: { registry: target, path: `${uniqueRepository('events-engine')}/{repository}` },
          tags: { regex: '^v1$' },
        },
      ],
    },
    { FERRY_CRON_SECONDS: '2' },
    state,
    'workerd',
  );
  const job = await sendJson(ferry, 'POST', '/v1/copy', {
    source: `${source}/ferry-test/release-a:v1`,
    target: `${target}/${uniqueRepository('events-engine/job')}:v1`,
    wait: false,
  });
  expect(job.id, JSON.stringify(job)).toEqual(expect.any(String));
  const { run } = await sendJson(ferry, 'POST', '/v1/syncs/engine-set/runs');
  expect(run?.id, JSON.stringify(run)).toEqual(expect.any(String));

  const taken = await until(() => {
    const events = got.filter((d) => d.status === 200);
    return events.length >= 3 ? events : undefined; // the job's copy, the run's repository copy, the run
  });
  const parsed = verifiedEvents(taken, SECRET);
  const jobCopy = parsed.find((e) => e.type === 'dev.ferry.copy.completed' && e.data.job === job.id);
  expect(jobCopy, JSON.stringify(parsed.map((e) => [e.type, e.data.job]))).toBeDefined();
  const ran = parsed.find((e) => e.type === 'dev.ferry.sync.completed');
  expect(ran?.data).toMatchObject({ set: 'engine-set', run: run.id, counts: { copied: 1, failed: 0 } });
  // Each was refused once, then taken once: two attempts an event, one id.
  for (const event of [jobCopy!, ran!])
    expect(got.filter((d) => d.headers['webhook-id'] === event.id).map((d) => d.status)).toEqual([503, 200]);
}, 120_000);
