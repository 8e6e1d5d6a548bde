// Sync sets run by their own schedules from one clock (the minute trigger on Workers, a timer elsewhere):
// a set is started once its schedule names a time since its last start, by one dispatcher only, and never
// at the moment the clock first sees it.

import { makeState } from '@test-runtime';
import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { dispatchScheduledSyncs } from '../../src/ops/sync/index.js';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.emptyRegistry;
const target = fixture.targets.anonymous.host;

function scheduledService(schedule: string) {
  const name = `hourly-${crypto.randomUUID().slice(0, 8)}`;
  const service = makeService(
    {
      registries: localRegistries(source, target),
      // Nothing to copy: a run's one job ends at once (its repository is none), so runs follow each other as
      // fast as the clock asks once it has ended (runsEnded).
      syncs: [
        {
          name,
          sources: [{ registry: source, repositories: [uniqueRepository('scheduled/none')] }],
          target: { registry: target },
          tags: { regex: '^never$' },
          schedule,
        },
      ],
    },
    { jobs: true },
  );
  const runs = async () =>
    ((await (await service.app.request(`/v1/syncs/${name}/runs`)).json()) as { runs: { trigger: string }[] }).runs;
  return { service, runs, ended: () => runsEnded(service, name) };
}

/** Waits for the jobs of the set's runs to end: a run under way keeps the next one from starting. */
async function runsEnded(service: ReturnType<typeof makeService>, name: string, headers: Record<string, string> = {}) {
  const res = await service.app.request(`/v1/syncs/${name}/runs`, { headers });
  for (const run of ((await res.json()) as { runs: { jobs: string[] }[] }).runs)
    for (const id of run.jobs) await waitForJob(service, id, headers, 30);
}

const at = (time: string) => Date.parse(`2026-12-07T${time}Z`);

it('starts a set when its schedule comes, once per time, and not when the clock first sees it', async () => {
  const { service, runs, ended } = scheduledService('0 * * * *');
  expect(await dispatchScheduledSyncs(service.deps, at('10:20:00'))).toBe(0); // first sight
  expect(await dispatchScheduledSyncs(service.deps, at('10:59:59'))).toBe(0);
  expect(await dispatchScheduledSyncs(service.deps, at('11:00:01'))).toBe(1);
  await ended();
  expect(await dispatchScheduledSyncs(service.deps, at('11:00:30'))).toBe(0); // that time is taken
  expect(await dispatchScheduledSyncs(service.deps, at('12:00:00'))).toBe(1);
  expect((await runs()).map((r) => r.trigger)).toEqual(['schedule', 'schedule']);
});

it('of two dispatchers at the same time, one starts the set', async () => {
  const { service, runs } = scheduledService('*/5 * * * *');
  await dispatchScheduledSyncs(service.deps, at('10:01:00'));
  const started = await Promise.all([1, 2, 3].map(() => dispatchScheduledSyncs(service.deps, at('10:05:00'))));
  expect(started.reduce((a, b) => a + b, 0)).toBe(1);
  expect(await runs()).toHaveLength(1);
});

it('refuses a schedule that is none, naming where', async () => {
  const service = makeService({ registries: localRegistries(source, target) });
  const res = await service.app.request('/v1/syncs/bad-schedule', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      sources: [{ registry: source, repositories: ['a/b'] }],
      target: { registry: target },
      schedule: 'every hour',
    }),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { detail: string }).detail).toContain('set.schedule');
});

it('a set written through the API runs by itself only while its author still administers it', async () => {
  const sha256 = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
  const key = { name: 'ops', sha256: await sha256('ops-key') };
  const grant = (repositories: string[]) => ({ apiKey: 'ops', actions: ['admin'], repositories });
  const state = makeState();
  const configWith = (repositories: string[]) => ({
    registries: localRegistries(source, target),
    callers: { apiKeys: [key], grants: [grant(repositories)] },
  });
  const everything = [`${source}/**`, `${target}/**`];
  const writer = makeService(configWith(everything), { jobs: true, state });
  const name = `authored-${crypto.randomUUID().slice(0, 8)}`;
  const put = await writer.app.request(`/v1/syncs/${name}`, {
    method: 'PUT',
    headers: { authorization: 'Bearer ops-key', 'content-type': 'application/json' },
    body: JSON.stringify({
      sources: [{ registry: source, repositories: [uniqueRepository('authored/none')] }],
      target: { registry: target },
      tags: { regex: '^never$' },
      schedule: '0 * * * *',
    }),
  });
  expect(put.status).toBe(200);
  expect(((await put.json()) as { author: string }).author).toBe('key:ops');
  await dispatchScheduledSyncs(writer.deps, at('10:20:00'));
  expect(await dispatchScheduledSyncs(writer.deps, at('11:00:01'))).toBe(1);
  await runsEnded(writer, name, { authorization: 'Bearer ops-key' });
  // The operator narrows the author's grants: the set no longer runs by itself.
  const narrowed = makeService(configWith([`${source}/elsewhere/**`, `${target}/**`]), { jobs: true, state });
  expect(await dispatchScheduledSyncs(narrowed.deps, at('12:00:01'))).toBe(0);
  expect(await dispatchScheduledSyncs(writer.deps, at('13:00:01'))).toBe(1);
});
