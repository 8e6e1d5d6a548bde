// Many-tags jobs finish at an organisation's scale (issue 30), scaled down for CI (`npm run load` runs the
// full size): repositories of small images, their tags made with manifest PUTs, each copied by a `tags:
// "all"` job. Under strict-platform mode (workerd: batches as Workflow instances, the parent waiting for
// their events) and in process (Node), every job ends, every good tag is at the target (the registry API,
// and a sample by skopeo and crane), a tag made invalid in each batch is reported while the rest of its
// batch is copied, no emulated limit is broken, and the busiest object's calls per tag and the largest row
// are printed against their bounds.

import { beforeAll, expect, inject, it } from 'vitest';
import { pushBlob, pushManifest } from '../support/cosign-signing.js';
import { judge, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

// CI: 3 repositories of 230 tags (three batches of up to 100 each: src/ops/jobs/batches.ts); `npm run load`:
// 100 of 100.
const { repositories: REPOSITORIES, tags: TAGS } = fixture.load;
const tagName = (n: number) => `t${String(n).padStart(4, '0')}`;
// In the last tenth of the repositories (one at least) one tag per batch names a manifest whose config blob
// is gone from the source.
const BROKEN = Array.from({ length: Math.ceil(TAGS / 100) }, (_, b) => tagName(Math.min(TAGS - 1, b * 100 + 50)));
const BROKEN_FROM = REPOSITORIES - Math.max(1, Math.floor(REPOSITORIES / 10));
const TOTAL = REPOSITORIES * TAGS;
// Room to wait, far above what a tag takes here (~20 ms).
const SECONDS_A_TAG = 0.1;
// Bounds printed and held: state calls on the busiest object per tag (measured 1.00: the audit object, a
// record a tag), and the largest row. That is a batch's record, its 100 tags' results at ~330 B each
// (measured 35,754 B), whatever the job's size: the parent keeps counts, where a result per tag would pass
// the 2 MB row at ~6,100 tags.
const CALLS_PER_TAG_BOUND = 4;
const LARGEST_ROW_BOUND = 64 * 1024;

const repositories: string[] = [];

beforeAll(
  async () => {
    const layer = new TextEncoder().encode(`one small layer ${crypto.randomUUID()}\n`);
    const config = new TextEncoder().encode(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: {} }));
    for (let r = 0; r < REPOSITORIES; r++) {
      const repository = `load/${uniqueRepository('tags')}`;
      repositories.push(repository);
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: await pushBlob(source, repository, config),
          size: config.byteLength,
        },
        layers: [
          {
            mediaType: 'application/vnd.oci.image.layer.v1.tar',
            digest: await pushBlob(source, repository, layer),
            size: layer.byteLength,
          },
        ],
      };
      const broken = r >= BROKEN_FROM ? BROKEN : [];
      for (let start = 0; start < TAGS; start += 25)
        await Promise.all(
          Array.from({ length: Math.min(25, TAGS - start) }, async (_, i) => {
            const tag = tagName(start + i);
            if (!broken.includes(tag)) return pushManifest(source, repository, tag, manifest);
            const own = new TextEncoder().encode(JSON.stringify({ architecture: 'amd64', os: 'linux', broken: tag }));
            const digest = await pushBlob(source, repository, own);
            await pushManifest(source, repository, tag, {
              ...manifest,
              config: { ...manifest.config, digest, size: own.byteLength },
            });
            const gone = await fetch(`http://${source}/v2/${repository}/blobs/${digest}`, { method: 'DELETE' });
            expect(gone.status).toBe(202);
          }),
        );
    }
  },
  120_000 + TOTAL * 20,
);

it(
  'tags: "all" jobs over many tags end, every good tag at the target, a bad tag per batch reported',
  async () => {
    const svc = makeService(
      { registries: { [source]: { insecure: true }, [target]: { insecure: true } } },
      {
        jobs: true,
      },
    );
    const jobs = await Promise.all(
      repositories.map(async (repository) => {
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
    const ended = await Promise.all(jobs.map((id) => waitForJob(svc, id, {}, 300 + SECONDS_A_TAG * TOTAL)));

    const all = Array.from({ length: TAGS }, (_, n) => tagName(n));
    for (const [r, job] of ended.entries()) {
      const broken = r >= BROKEN_FROM ? BROKEN : [];
      const listed = await fetch(`http://${target}/v2/${repositories[r]}/tags/list?n=1000`);
      const tags = ((await listed.json()) as { tags: string[] }).tags.sort();
      expect(tags).toEqual(all.filter((t) => !broken.includes(t)));
      if (!broken.length) {
        expect(job.state, JSON.stringify(job.error)).toBe('done');
        continue;
      }
      expect(job.state).toBe('failed');
      const failed = ('counts' in job.result ? job.result.failed : job.result.failed) as {
        tag: string;
        code: string;
      }[];
      expect(failed.map((f) => f.tag).sort()).toEqual(BROKEN);
      expect(job.error.message).toMatch(new RegExp(`^${BROKEN.length} of ${TAGS} tags were not copied`));
      if ('counts' in job.result) expect(job.result.counts).toMatchObject({ tags: TAGS, copied: TAGS - BROKEN.length });
    }

    // A sample, by skopeo and by crane: the digest at the target is the source's.
    const expected = await fetch(`http://${source}/v2/${repositories[0]}/manifests/${tagName(7)}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    for (const tag of [tagName(0), tagName(7), tagName(TAGS - 1)]) {
      const ref = `${target}/${repositories[0]}:${tag}`;
      const byCrane = await judge(fixture.judge, 'crane-digest', ref);
      expect(byCrane.digest).toBe(expected.headers.get('docker-content-digest'));
      expect((await judge(fixture.judge, 'raw', ref)).ok).toBe(true);
    }

    if (svc.platform) {
      await svc.settle();
      expect(svc.platform.violations).toEqual([]);
      const busiest = svc.platform.busiestObject();
      const perTag = busiest.calls / (REPOSITORIES * TAGS);
      console.log(
        `many-tags jobs: ${REPOSITORIES * TAGS} tags; busiest object ${busiest.object}: ${busiest.calls} calls, ` +
          `${perTag.toFixed(2)} a tag (bound ${CALLS_PER_TAG_BOUND}); largest row ${svc.platform.largestRowBytes} B ` +
          `(bound ${LARGEST_ROW_BOUND} B, the platform's 2,000,000 B)`,
      );
      expect(perTag).toBeLessThanOrEqual(CALLS_PER_TAG_BOUND);
      expect(svc.platform.largestRowBytes).toBeLessThanOrEqual(LARGEST_ROW_BOUND);
    }
  },
  400_000 + SECONDS_A_TAG * TOTAL * 1000,
);
