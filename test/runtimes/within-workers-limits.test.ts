// Work at the size of the hosted Workers limits, with the strict platform on (workerd project): a
// 300-layer image copies in one request within its budgets; 500 tags become a Workflow job that
// completes; a job with a frozen clock writes nothing to KV; a deterministic failure ends `failed` and
// no sweep runs it again.

import { runtimeName } from '@test-runtime';
import { describe, expect, inject, it } from 'vitest';
import {
  expandPlan,
  type CompactPlan,
  createPromotionJobOnce,
  reviveStaleJobs,
  updateJob,
} from '../../src/ops/jobs/index.js';
import { findRule } from '../../src/ops/promote/index.js';
import { judge, uniqueRepository, waitForJob } from '../support/copying.js';
import { ANONYMOUS_OWNER, makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const registries = { [source]: { insecure: true }, [target]: { insecure: true } };

const post = (service: ReturnType<typeof makeService>, body: unknown) =>
  service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const head = async (url: string) => {
  const res = await fetch(url, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  return { status: res.status, digest: res.headers.get('docker-content-digest') };
};

describe.runIf(runtimeName === 'workerd')('under the hosted Workers limits', () => {
  it('a 300-layer image copies in one request: within the subrequest and KV budgets, 4 subrequests a blob at most', async () => {
    const { repository, tag, digest, count } = fixture.bulk.layers;
    const service = makeService({ registries });
    const prod = uniqueRepository('limits/layers');
    const answer = await post(service, {
      source: `${source}/${repository}:${tag}`,
      target: `${target}/${prod}:${tag}`,
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
    expect(((await answer.json()) as { digest: string }).digest).toBe(digest);
    await service.settle();
    const [copy] = service.platform!.invocations.filter((i) => i.name === 'POST /v1/copy');
    const blobs = count + 1; // the layers and the config
    expect(copy!.subrequests).toBeLessThanOrEqual(4 * blobs + 20);
    expect(copy!.kvReads + copy!.kvWrites).toBeLessThanOrEqual(10);
    expect(copy!.kvWrites).toBeLessThanOrEqual(2);
    expect((await judge(fixture.judge, 'raw', `${target}/${prod}:${tag}`)).raw).toBe(
      (await judge(fixture.judge, 'raw', `${source}/${repository}:${tag}`)).raw,
    );
  }, 60_000);

  it('a tags:"all" copy of 500 tags becomes a job in batches, each its own instance within a small budget, and completes', async () => {
    const { repository, digests } = fixture.bulk.tags;
    // One instance for all 500 tags would need ~3,000 subrequests: each batch of 100 must do with 2,000.
    const service = makeService({ registries }, { jobs: true, platform: { subrequestsPerInstance: 2000 } });
    const prod = uniqueRepository('limits/tags');
    const answer = await post(service, { source: `${source}/${repository}`, target: `${target}/${prod}`, tags: 'all' });
    expect(answer.status).toBe(202);
    const { id, reason } = (await answer.json()) as { id: string; reason: string };
    expect(reason).toBe('500 tags > copy.syncMaxTags 50: copied as a job');
    const job = await waitForJob(service, id, {}, 80);
    expect(job, JSON.stringify(job).slice(0, 2000)).toMatchObject({
      state: 'done',
      batches: [0, 1, 2, 3, 4].map((i) => `${id}_${i}`),
    });
    // The parent keeps counts; each tag's result is its batch's, in tag order.
    expect(job.result).toEqual({ counts: { tags: 500, copied: 500, failed: 0, skipped: 0 }, batches: job.batches });
    const results = [];
    for (const batch of job.batches as string[]) results.push(...(await waitForJob(service, batch)).result.results);
    expect(results.map((r: { tags: string[] }) => r.tags[0])).toEqual(Object.keys(digests));
    expect([...service.workflows!.instances.keys()].sort()).toEqual([id, ...job.batches].sort());
    const tags = Object.keys(digests);
    for (let i = 0; i < tags.length; i += 25) {
      const seen = await Promise.all(
        tags.slice(i, i + 25).map((t) => head(`http://${target}/v2/${prod}/manifests/${t}`)),
      );
      expect(seen).toEqual(tags.slice(i, i + 25).map((t) => ({ status: 200, digest: digests[t] })));
    }
    const sample = tags.filter((_, i) => i % 50 === 7);
    expect(sample).toHaveLength(10);
    for (const t of sample) {
      const verdict = await judge(fixture.judge, 'raw', `${target}/${prod}:${t}`);
      expect(verdict.ok, verdict.error).toBe(true);
      expect(await sha256Hex(Uint8Array.from(atob(verdict.raw!), (c) => c.charCodeAt(0)))).toBe(digests[t]);
    }
    expect((await judge(fixture.judge, 'list-tags', `${target}/${prod}`)).tags?.sort()).toEqual(tags);
    // Each instance stayed within its budget (the platform fails the test otherwise); the batches did the copying.
    for (const batch of job.batches as string[])
      expect(service.workflows!.instances.get(batch)!.meter.subrequests).toBeGreaterThan(300);
  }, 90_000);

  it("a 300-layer job's plan step returns under 100 bytes a blob, far inside a step's 1 MiB", async () => {
    const { repository, tag, digest, count } = fixture.bulk.layers;
    const service = makeService({ registries }, { jobs: true });
    const answer = await post(service, {
      source: `${source}/${repository}:${tag}`,
      target: `${target}/${uniqueRepository('limits/plan')}:${tag}`,
      wait: false,
    });
    const { id } = (await answer.json()) as { id: string };
    expect(await waitForJob(service, id, {}, 60)).toMatchObject({ state: 'done', result: { digest } });
    const plan = service.workflows!.instances.get(id)!.results.get('plan blobs');
    expect(expandPlan(plan as CompactPlan)).toHaveLength(count + 1);
    expect(JSON.stringify(plan).length / (count + 1)).toBeLessThan(100);
  }, 60_000);

  it("a promotion of 300 layers to 4 targets moves each target's blobs in an instance of its own", async () => {
    const { repository, tag, digest } = fixture.bulk.layers;
    const prod = [0, 1, 2, 3].map(() => uniqueRepository('limits/promote'));
    const service = makeService(
      {
        registries,
        promotion: {
          rules: [
            {
              name: 'wide',
              source: { repository: `${source}/${repository}`, tags: { exact: tag } },
              targets: prod.map((p) => ({ repository: `${target}/${p}`, tags: ['{tag}'] })),
            },
          ],
        },
      },
      // In one instance the blobs alone would take 4 x 301 x 4 = 4,816 subrequests.
      { jobs: true, platform: { subrequestsPerInstance: 4000 } },
    );
    const job = await createPromotionJobOnce(
      service.deps,
      { source: `${source}/${repository}:${tag}`, rule: await findRule(service.deps, 'wide') },
      ANONYMOUS_OWNER,
      crypto.randomUUID(),
    ).then((r) => r.job);
    await service.deps.jobs!.enqueue(job.id);
    const done = await waitForJob(service, job.id, {}, 80);
    expect(done, JSON.stringify(done).slice(0, 1000)).toMatchObject({
      state: 'done',
      batches: [0, 1, 2, 3].map((i) => `${job.id}_t${i}`),
    });
    const raw = (await judge(fixture.judge, 'raw', `${source}/${repository}:${tag}`)).raw;
    for (const p of prod) expect((await judge(fixture.judge, 'raw', `${target}/${p}:${tag}`)).raw).toBe(raw);
    for (const batch of done.batches as string[])
      expect(service.workflows!.instances.get(batch)!.meter.subrequests).toBeGreaterThan(1000);
    expect(digest).toMatch(/^sha256:/);
  }, 90_000);

  it('with the clock frozen, a job whose blobs are in place completes, and nothing is written to KV for it', async () => {
    const service = makeService({ registries }, { jobs: true });
    const prod = uniqueRepository('limits/frozen');
    const image = `${source}/ferry-test/v2s2:v1`;
    expect((await post(service, { source: image, target: `${target}/${prod}:seed` })).status).toBe(200);
    await service.settle();
    const frozen = Date.now();
    service.deps.now = () => frozen;
    const before = service.platform!.kvWrites.length;
    const answer = await post(service, { source: image, target: `${target}/${prod}:v1`, wait: false });
    expect(answer.status).toBe(202);
    const { id } = (await answer.json()) as { id: string };
    expect(await waitForJob(service, id)).toMatchObject({ state: 'done' });
    await service.settle();
    const written = service.platform!.kvWrites.slice(before).map((w) => w.key);
    expect(written.filter((k) => k.includes(id) || /job/i.test(k))).toEqual([]);
    expect(written.length).toBeLessThanOrEqual(2); // a copy's own caches at most: tag resolution, blob locations
    // The instance ends after the record says done: it gives back the job's slots last.
    for (let i = 0; i < 50 && service.workflows!.instances.get(id)?.status !== 'complete'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(service.workflows!.instances.get(id)?.status).toBe('complete');
  }, 60_000);

  it('a job that fails deterministically ends failed with its reason; sweeps never start it again, nor a complete instance', async () => {
    const service = makeService({ registries, jobs: { staleAfterSeconds: 60 } }, { jobs: true });
    let clock = Date.now();
    service.deps.now = () => clock;
    const answer = await post(service, {
      source: `${source}/ferry-test/no-such-image:v1`,
      target: `${target}/${uniqueRepository('limits/failing')}:v1`,
      wait: false,
    });
    const { id } = (await answer.json()) as { id: string };
    const job = await waitForJob(service, id);
    expect(job).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND' } });
    expect(job.error.message).toMatch(/no-such-image/);
    // Its last step (giving its slots back) runs after the record says failed: the clock jumps once it ended,
    // or that step would seem to run the two hours the sweeps skip (strict-platform measures steps by it).
    await instanceComplete(service, id);
    for (let sweep = 0; sweep < 3; sweep++) {
      clock += 3600_000;
      await reviveStaleJobs(service.deps);
    }
    expect(service.workflows!.instances.get(id)).toMatchObject({ status: 'complete', starts: 1 });
    expect(await waitForJob(service, id)).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND' } });

    // A complete instance whose record says running (its run ended without a result): failed, not run again.
    const other = (await (
      await post(service, {
        source: `${source}/ferry-test/v2s2:v1`,
        target: `${target}/${uniqueRepository('limits/done')}:v1`,
        wait: false,
      })
    ).json()) as { id: string };
    expect(await waitForJob(service, other.id)).toMatchObject({ state: 'done' });
    await instanceComplete(service, other.id);
    await updateJob(service.deps, other.id, (stored) => ({ ...stored, state: 'running' }));
    for (let sweep = 0; sweep < 3; sweep++) {
      clock += 3600_000;
      await reviveStaleJobs(service.deps);
    }
    expect(service.workflows!.instances.get(other.id)).toMatchObject({ status: 'complete', starts: 1 });
    expect(await waitForJob(service, other.id)).toMatchObject({ state: 'failed', error: { code: 'INTERNAL' } });
  }, 60_000);
});

/** Waits until the job's Workflow instance has finished its last step. */
async function instanceComplete(service: ReturnType<typeof makeService>, id: string): Promise<void> {
  for (let i = 0; i < 200 && service.workflows!.instances.get(id)?.status !== 'complete'; i++)
    await new Promise((r) => setTimeout(r, 50));
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return `sha256:${[...hash].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
