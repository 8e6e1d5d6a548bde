// Many-tags jobs finish at an organisation's scale (issue 30), under strict-platform mode: on workerd each
// batch is a Workflow instance and the parent waits for their events; in process (Node) a job runs whole.
// Every job ends, every good tag is at the target (the registry API, and a sample by skopeo and crane), a
// tag made invalid in each batch is reported while the rest of its batch is copied, no emulated limit is
// broken, and the busiest object's calls per tag and the largest row are printed against their bounds.
// CI: 3 repositories of 230 tags; `npm run load`: 40 of 100 here (see HARNESS_REPOSITORIES) and the full
// 100 of 100 on wrangler's engine (many-tags-on-engine.node.test.ts).

import { beforeAll, expect, inject, it } from 'vitest';
import { waitForJob } from '../support/copying.js';
import { judgeManyTags, pushManyTags, type ManyTagsLoad } from '../support/many-tags.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

// @cloudflare/vitest-pool-workers 0.15.1 wraps a Durable Object class's prototype in one more Proxy at each
// construction (cloudflare/workers-sdk#15092, fixed upstream by #15106 after the pinned version); with an
// object per job, a test file past ~8,000 tags overflows the stack. The harness holds 40 repositories of
// 100 tags; the full load runs on the engine, where no harness wraps anything.
const HARNESS_REPOSITORIES = 40;
const REPOSITORIES = Math.min(fixture.load.repositories, HARNESS_REPOSITORIES);
const TOTAL = REPOSITORIES * fixture.load.tags;
// Room to wait, far above what a tag takes here (~20 ms).
const SECONDS_A_TAG = 0.1;
// Bounds printed and held: state calls on the busiest object per tag (measured 1.00: the audit object, a
// record a tag), and the largest row. That is a batch's record, its 100 tags' results at ~330 B each
// (measured 35,754 B), whatever the job's size: the parent keeps counts, where a result per tag would pass
// the 2 MB row at ~6,100 tags.
const CALLS_PER_TAG_BOUND = 4;
const LARGEST_ROW_BOUND = 64 * 1024;

let load: ManyTagsLoad;
beforeAll(
  async () => {
    load = await pushManyTags(source, REPOSITORIES, fixture.load.tags);
  },
  120_000 + TOTAL * 20,
);

it(
  'tags: "all" jobs over many tags end, every good tag at the target, a bad tag per batch reported',
  async () => {
    const svc = makeService(
      { registries: { [source]: { insecure: true }, [target]: { insecure: true } } },
      { jobs: true },
    );
    const ids = await Promise.all(
      load.repositories.map(async (repository) => {
        const res = await svc.app.request('/v1/copy', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            source: `${source}/${repository}`,
            target: `${target}/${repository}`,
            tags: 'all',
            wait: false,
          }),
        });
        expect(res.status).toBe(202);
        return ((await res.json()) as { id: string }).id;
      }),
    );
    const ended = await Promise.all(ids.map((id) => waitForJob(svc, id, {}, 300 + SECONDS_A_TAG * TOTAL)));
    await judgeManyTags(fixture, source, target, load, ended);

    if (svc.platform) {
      await svc.settle();
      expect(svc.platform.violations).toEqual([]);
      const busiest = svc.platform.busiestObject();
      const perTag = busiest.calls / TOTAL;
      console.log(
        `many-tags jobs: ${TOTAL} tags; busiest object ${busiest.object}: ${busiest.calls} calls, ` +
          `${perTag.toFixed(2)} a tag (bound ${CALLS_PER_TAG_BOUND}); largest row ${svc.platform.largestRowBytes} B ` +
          `(bound ${LARGEST_ROW_BOUND} B, the platform's 2,000,000 B)`,
      );
      expect(perTag).toBeLessThanOrEqual(CALLS_PER_TAG_BOUND);
      expect(svc.platform.largestRowBytes).toBeLessThanOrEqual(LARGEST_ROW_BOUND);
    }
  },
  400_000 + SECONDS_A_TAG * TOTAL * 1000,
);
