// The many-tags load (issue 30), shared by its two runs: under strict-platform mode
// (test/jobs/many-tags-jobs-finish.test.ts) and on wrangler's local Workflows engine under `npm start`
// (test/jobs/many-tags-on-engine.node.test.ts). Repositories of one small image, their tags made with
// manifest PUTs; in the last tenth of the repositories (one at least) one tag per batch of 100 names a
// manifest whose config blob is gone from the source, so its copy fails while the others go on.

import { expect } from 'vitest';
import type { Fixture } from './fixture.js';
import { pushBlob, pushManifest } from './cosign-signing.js';
import { judge, uniqueRepository } from './copying.js';

export const tagName = (n: number) => `t${String(n).padStart(4, '0')}`;

export interface ManyTagsLoad {
  repositories: string[];
  tags: number;
  /** The tags that fail in a repository (none in most). */
  brokenIn(index: number): string[];
}

/** `count` repositories of `tags` tags each at `source`. */
export async function pushManyTags(source: string, count: number, tags: number): Promise<ManyTagsLoad> {
  const broken = Array.from({ length: Math.ceil(tags / 100) }, (_, b) => tagName(Math.min(tags - 1, b * 100 + 50)));
  const brokenFrom = count - Math.max(1, Math.floor(count / 10));
  const load: ManyTagsLoad = { repositories: [], tags, brokenIn: (r) => (r >= brokenFrom ? broken : []) };
  const layer = new TextEncoder().encode(`one small layer ${crypto.randomUUID()}\n`);
  const config = new TextEncoder().encode(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: {} }));
  for (let r = 0; r < count; r++) {
    const repository = `load/${uniqueRepository('tags')}`;
    load.repositories.push(repository);
    const blob = async (bytes: Uint8Array, mediaType: string) => ({
      mediaType,
      digest: await pushBlob(source, repository, bytes),
      size: bytes.byteLength,
    });
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: await blob(config, 'application/vnd.oci.image.config.v1+json'),
      layers: [await blob(layer, 'application/vnd.oci.image.layer.v1.tar')],
    };
    const bad = load.brokenIn(r);
    for (let start = 0; start < tags; start += 25)
      await Promise.all(
        Array.from({ length: Math.min(25, tags - start) }, async (_, i) => {
          const tag = tagName(start + i);
          if (!bad.includes(tag)) return pushManifest(source, repository, tag, manifest);
          const own = new TextEncoder().encode(JSON.stringify({ architecture: 'amd64', os: 'linux', broken: tag }));
          const gone = await blob(own, 'application/vnd.oci.image.config.v1+json');
          await pushManifest(source, repository, tag, { ...manifest, config: gone });
          const deleted = await fetch(`http://${source}/v2/${repository}/blobs/${gone.digest}`, { method: 'DELETE' });
          expect(deleted.status).toBe(202);
        }),
      );
  }
  return load;
}

/**
 * Judges the jobs (in the order of the load's repositories) at the target: every good tag there (the
 * registry API), the bad ones reported by their job with the rest done, and a sample by crane and skopeo.
 */
export async function judgeManyTags(
  fixture: Fixture,
  source: string,
  target: string,
  load: ManyTagsLoad,
  jobs: { state: string; result?: any; error?: { message: string } }[],
): Promise<void> {
  const all = Array.from({ length: load.tags }, (_, n) => tagName(n));
  for (const [r, job] of jobs.entries()) {
    const broken = load.brokenIn(r);
    const listed = await fetch(`http://${target}/v2/${load.repositories[r]}/tags/list?n=1000`);
    const tags = ((await listed.json()) as { tags: string[] }).tags.sort();
    expect(tags).toEqual(all.filter((t) => !broken.includes(t)));
    if (!broken.length) {
      expect(job.state, JSON.stringify(job.error)).toBe('done');
      continue;
    }
    expect(job.state).toBe('failed');
    expect((job.result.failed as { tag: string }[]).map((f) => f.tag).sort()).toEqual(broken);
    expect(job.error?.message).toMatch(new RegExp(`^${broken.length} of ${load.tags} tags were not copied`));
    // A job in batches keeps counts; one run whole (in process) keeps each tag's result.
    if ('counts' in job.result)
      expect(job.result.counts).toMatchObject({ tags: load.tags, copied: load.tags - broken.length });
  }
  const expected = await fetch(`http://${source}/v2/${load.repositories[0]}/manifests/${tagName(7)}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  for (const tag of [tagName(0), tagName(7), tagName(load.tags - 1)]) {
    const ref = `${target}/${load.repositories[0]}:${tag}`;
    expect((await judge(fixture.judge, 'crane-digest', ref)).digest).toBe(
      expected.headers.get('docker-content-digest'),
    );
    expect((await judge(fixture.judge, 'raw', ref)).ok).toBe(true);
  }
}
