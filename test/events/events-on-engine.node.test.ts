// Issue 34, events on Workers: `npm start` (workerd, wrangler's local Workflows engine, its cron fired every two
// seconds) tells a sink of a copy run as a job in a Workflow instance and of a sync run the cron settled. The
// receiver refuses the first attempt of each event: the event comes again, once it is taken, with one id.
// Every delivery verified by the `standardwebhooks` reference library and parsed by the `cloudevents` SDK.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import { afterAll, expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository } from '../support/copying.js';
import { sendJson, startFerry, type FerryProcess } from '../support/ferry-process.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const SECRET = `whsec_${Buffer.from('a receiver secret of 32 bytes!!!').toString('base64')}`;

// Refuses each event's first attempt (by its webhook-id), takes the next.
const got: { headers: Record<string, string>; body: string; status: number }[] = [];
const server: Server = createServer(async (request, response) => {
  let body = '';
  for await (const chunk of request) body += chunk;
  const headers = request.headers as Record<string, string>;
  const status = got.some((d) => d.headers['webhook-id'] === headers['webhook-id']) ? 200 : 503;
  got.push({ headers, body, status });
  response.writeHead(status).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const state = mkdtempSync(join(tmpdir(), 'ferry-events-engine-'));
let ferry: FerryProcess | undefined;
afterAll(async () => {
  await ferry?.stop();
  server.close();
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
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
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
  const parsed = taken.map((d) => {
    new Webhook(SECRET).verify(d.body, d.headers);
    return HTTP.toEvent({ headers: d.headers, body: d.body }) as { id: string; type: string; data: any };
  });
  const jobCopy = parsed.find((e) => e.type === 'dev.ferry.copy.completed' && e.data.job === job.id);
  expect(jobCopy, JSON.stringify(parsed.map((e) => [e.type, e.data.job]))).toBeDefined();
  const ran = parsed.find((e) => e.type === 'dev.ferry.sync.completed');
  expect(ran?.data).toMatchObject({ set: 'engine-set', run: run.id, counts: { copied: 1, failed: 0 } });
  // Each was refused once, then taken once: two attempts an event, one id.
  for (const event of [jobCopy!, ran!])
    expect(got.filter((d) => d.headers['webhook-id'] === event.id).map((d) => d.status)).toEqual([503, 200]);
}, 120_000);
