// The many-tags load (test/support/many-tags.ts) on wrangler's local Workflows engine under `npm start`: the
// real engine runs each parent and its batches, delivers the batches' events, and keeps each step. Every job
// ends, every good tag is at the target, each bad tag is reported with the rest copied. CI: 3 repositories
// of 230 tags; `npm run load`: 100 of 100 (10,000 tags).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';
import { judgeManyTags, pushManyTags, type ManyTagsLoad } from '../support/many-tags.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const TOTAL = fixture.load.repositories * fixture.load.tags;
const state = mkdtempSync(join(tmpdir(), 'ferry-load-'));
let ferry: FerryProcess | undefined;
let load: ManyTagsLoad;

beforeAll(
  async () => {
    load = await pushManyTags(source, fixture.load.repositories, fixture.load.tags);
  },
  120_000 + TOTAL * 20,
);
afterAll(async () => {
  await ferry?.stop();
  rmSync(state, { recursive: true, force: true });
});

it(
  'tags: "all" jobs on the Workflows engine end, every good tag at the target, a bad tag per batch reported',
  async () => {
    ferry = await startFerry(
      { registries: localRegistries(source, target), callers: { anonymous: true } },
      {},
      state,
      'workerd',
    );
    const started = performance.now();
    const urls = await Promise.all(
      load.repositories.map(async (repository) => {
        const res = await fetch(`${ferry!.base}/v1/copy`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            source: `${source}/${repository}`,
            target: `${target}/${repository}`,
            tags: 'all',
            wait: false,
          }),
        });
        const body = (await res.json()) as { url: string };
        expect(res.status, JSON.stringify(body)).toBe(202);
        return body.url;
      }),
    );
    const ended: any[] = [];
    for (const url of urls) {
      let job: any;
      for (let i = 0; i < 10 * (120 + TOTAL / 10); i++) {
        job = await (await fetch(`${ferry.base}${url}`)).json();
        if (job.state === 'done' || job.state === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      ended.push(job);
    }
    console.log(
      `many-tags jobs on the engine: ${TOTAL} tags in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    await judgeManyTags(fixture, source, target, load, ended);
  },
  300_000 + TOTAL * 100,
);
