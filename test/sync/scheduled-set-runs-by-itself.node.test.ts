// A scheduled sync set runs with no call at all: on Node by the process's own clock, and under `npm start`
// (workerd, wrangler's Workflows engine) by the minute trigger the start script fires. FERRY_CRON_SECONDS
// makes the clock tick each second, and a six-field schedule (seconds first) comes every two.

import { afterAll, expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository } from '../support/copying.js';
import { startFerry, type FerryProcess, type Runtime } from '../support/ferry-process.js';
import { pushSmallImage } from '../support/small-images.js';

const fixture = inject('fixture');
const source = fixture.emptyRegistry;
const target = fixture.targets.anonymous.host;
const running: FerryProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((f) => f.stop()));
});

async function tagsAt(repository: string): Promise<string[]> {
  const res = await fetch(`http://${target}/v2/${repository}/tags/list`);
  return res.ok ? (((await res.json()) as { tags: string[] | null }).tags ?? []).sort() : [];
}

it.each<Runtime>(['node', 'workerd'])('runs on its schedule on %s, with no call', async (runtime) => {
  const repository = uniqueRepository('scheduled/app');
  for (const tag of ['1.0.0', '1.1.0']) await pushSmallImage(source, repository, tag);
  const mirror = uniqueRepository('scheduled-mirror');
  const ferry = await startFerry(
    {
      registries: localRegistries(source, target),
      callers: { anonymous: true },
      syncs: [
        {
          name: 'every-two-seconds',
          sources: [{ registry: source, repositories: [repository] }],
          target: { registry: target, path: `${mirror}/{repository}` },
          schedule: '*/2 * * * * *',
        },
      ],
    },
    { FERRY_CRON_SECONDS: '1' },
    undefined,
    runtime,
  );
  running.push(ferry);
  let tags: string[] = [];
  for (let i = 0; i < 60 && tags.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 500));
    tags = await tagsAt(`${mirror}/${repository}`);
  }
  expect(tags, ferry.output().slice(-2000)).toEqual(['1.0.0', '1.1.0']);
  const runs = (await (await fetch(`${ferry.base}/v1/syncs/every-two-seconds/runs`)).json()) as {
    runs: { trigger: string }[];
  };
  expect(runs.runs.length).toBeGreaterThan(0);
  expect(runs.runs.every((r) => r.trigger === 'schedule')).toBe(true);
});
