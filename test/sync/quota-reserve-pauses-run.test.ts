// A source that announces its pull quota as Docker Hub does: once no more than the registry's pullReserve
// remains, every request to it waits for the quota's window instead of spending the rest, and the run goes on
// after it (the clock is injected: the wait is six hours). Nothing fails. In process the wait is a timer; in a
// Workflow (workerd) a step may run an hour, so the job sleeps between steps instead (the strict platform
// holds every step to its timeout).

import { expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const hub = fixture.faultProxy;
const target = fixture.targets.anonymous.host;
const WINDOW_MS = 21600 * 1000;

function hubService(remaining: number, reserve: number | undefined, repositories: string[]) {
  const service = makeService(
    {
      registries: {
        ...localRegistries(target),
        [hub]: {
          insecure: true,
          headers: { 'x-ferry-fault': 'docker-hub-quota', 'x-ferry-fault-arg': String(remaining) },
          ...(reserve !== undefined ? { pullReserve: reserve } : {}),
        },
      },
      syncs: [
        {
          name: 'from-hub',
          sources: [{ registry: hub, repositories }],
          target: { registry: target, path: `${uniqueRepository('hub-mirror')}/{repository}` },
          tags: { regex: '^v1$' },
        },
      ],
    },
    { jobs: true },
  );
  let clock = Date.now();
  const slept: number[] = [];
  // Once the window has passed, the quota is back, as Hub's is.
  const windowPassed = () =>
    (service.deps.config.registries.get(hub)!.headers['x-ferry-fault-arg'] = String(remaining + 100));
  service.deps.now = () => clock;
  service.deps.sleep = async (ms: number) => {
    slept.push(ms);
    clock += ms;
    if (ms >= WINDOW_MS - 60_000) windowPassed();
  };
  // A Workflow's sleep between steps: the engine wakes the instance when the time has come.
  const info = service.deps.log.info.bind(service.deps.log);
  service.deps.log.info = (message, fields) => {
    if (message.includes('the job sleeps') && typeof fields?.until === 'string') {
      slept.push(Date.parse(fields.until) - clock);
      clock = Math.max(clock, Date.parse(fields.until));
      windowPassed();
    }
    info(message, fields);
  };
  return { service, slept };
}

async function runAll(service: ReturnType<typeof makeService>) {
  const res = await service.app.request('/v1/syncs/from-hub/runs', { method: 'POST' });
  expect(res.status).toBe(202);
  const { run } = (await res.json()) as { run: { jobs: string[] } };
  return Promise.all(run.jobs.map((id) => waitForJob(service, id, {}, 30)));
}

it('waits for the quota window once no more than the reserve remains, then goes on; nothing fails', async () => {
  // One job: the clock jumps when its steps sleep, and no other job's step runs across the jump.
  const { service, slept } = hubService(3, 5, ['ferry-test/multiarch']);
  const jobs = await runAll(service);
  expect(
    jobs.map((j) => j.state),
    JSON.stringify(jobs.map((j) => j.error)),
  ).toEqual(['done']);
  expect(slept.some((ms) => ms > WINDOW_MS - 60_000 && ms <= WINDOW_MS)).toBe(true);
});

it('spends the quota as it comes while more than the reserve remains', async () => {
  const { service, slept } = hubService(76, 5, ['ferry-test/v2s2', 'ferry-test/multiarch']);
  const jobs = await runAll(service);
  expect(jobs.map((j) => j.state)).toEqual(['done', 'done']);
  expect(slept.filter((ms) => ms > 60_000)).toEqual([]);
});

it('refuses a reserve that is no count', () => {
  expect(() => makeService({ registries: { [hub]: { insecure: true, pullReserve: -1 } } })).toThrow(/pullReserve/);
});
