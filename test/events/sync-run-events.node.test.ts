// Issue 34, sync run events: a sync set's run that ended reaches the sinks once as dev.ferry.sync.completed or
// dev.ferry.sync.failed, with its counts and first errors, when the minute's tick finds its jobs ended (no one
// has to read its runs for it to be told), verified by the `standardwebhooks` reference library and parsed by
// the `cloudevents` SDK.

import { afterAll, expect, inject, it } from 'vitest';
import { dispatchScheduledSyncs } from '../../src/ops/sync/index.js';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { pushSmallImage } from '../support/small-images.js';
import { startReceiver, verifiedEvents, whsec } from '../support/event-receiver.js';

const fixture = inject('fixture');
const source = fixture.emptyRegistry;
const target = fixture.targets.anonymous.host;
const SECRET = whsec('a receiver secret of 32 bytes!!!');
const { url, got, close } = await startReceiver();
afterAll(close);

const service = makeService(
  {
    registries: localRegistries(source, target),
    events: { sinks: { runs: { url, secrets: [SECRET], allowPrivateAddresses: true, kinds: ['sync'] } } },
  },
  { jobs: true },
);

async function call(method: string, path: string, body?: unknown) {
  const res = await service.app.request(path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

/** Puts a set over `repositories`, runs it, and waits for its jobs (not for anyone to read the run). */
async function runSet(repositories: string[]): Promise<{ name: string; run: string }> {
  const name = `set-${crypto.randomUUID().slice(0, 8)}`;
  const put = await call('PUT', `/v1/syncs/${name}`, {
    sources: [{ registry: source, repositories }],
    target: { registry: target, path: `${uniqueRepository('events/sync')}/{repository}` },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  const started = await call('POST', `/v1/syncs/${name}/runs`, {});
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  for (const id of started.body.run.jobs) await waitForJob(service, id, {}, 30);
  return { name, run: started.body.run.id };
}

const events = () => verifiedEvents(got, SECRET);

it("a run that ended is told once, by the minute's tick, with its counts; a failed one with its errors", async () => {
  const present = uniqueRepository('events/present');
  for (const tag of ['1.0.0', '1.1.0']) await pushSmallImage(source, present, tag);
  const good = await runSet([present]);
  const bad = await runSet([uniqueRepository('events/absent')]);
  await service.settle();
  expect(got).toEqual([]); // the jobs ended; nothing has settled the runs yet

  await dispatchScheduledSyncs(service.deps);
  await service.settle();
  const told = events();
  const completed = told.find((e) => e.data.run === good.run)!;
  expect(completed.type).toBe('dev.ferry.sync.completed');
  expect(completed.data).toMatchObject({ set: good.name, trigger: 'manual', counts: { copied: 2, failed: 0 } });
  expect(completed.subject).toMatch(new RegExp(`^${target}/events/sync`));
  const failed = told.find((e) => e.data.run === bad.run)!;
  expect(failed.type).toBe('dev.ferry.sync.failed');
  expect(failed.data.counts.failed).toBe(1);
  expect(failed.data.errors[0].code).toBe('NOT_FOUND');

  // Read again, ticked again: nothing is told twice.
  for (const set of [good.name, bad.name]) expect((await call('GET', `/v1/syncs/${set}/runs`)).status).toBe(200);
  await dispatchScheduledSyncs(service.deps);
  await service.settle();
  expect(
    events()
      .map((e) => e.data.run)
      .sort(),
  ).toEqual([good.run, bad.run].sort());
});
