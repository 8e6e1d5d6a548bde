// Write-back (`cacheInto`): an image pulled through the front is copied into a registry the team owns by
// one job, however many clients pull it at once; once the upstream is gone, pulls are served from there.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository } from '../support/copying.js';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';
import { startRegistry, type RunningRegistry } from '../support/registries.js';
import { skopeo } from '../support/skopeo.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const dir = mkdtempSync(join(tmpdir(), 'ferry-write-back-'));
let ferry: FerryProcess | undefined;
let upstream: RunningRegistry | undefined;
afterAll(async () => {
  await ferry?.stop();
  await upstream?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pull = (front: string, name: string, out: string) =>
  skopeo(['copy', '--all', '--src-tls-verify=false', `docker://${front}/${name}`, `oci:${out}:pulled`]);
const pulledDigest = (out: string) =>
  (JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }).manifests[0]!
    .digest;

// On Node the copy runs in process; on workerd (`npm start`) as an instance of wrangler's Workflows engine.
it.each(['node', 'workerd'] as const)(
  'on %s: two first pulls start one copy into the cache; with the upstream stopped, the next pull comes from the cache',
  async (runtime) => {
    await ferry?.stop();
    upstream = await startRegistry(dir, `upstream-${runtime}`, join(dir, `upstream-storage-${runtime}`), {
      kind: 'anonymous',
    });
    const repository = uniqueRepository('write-back/app');
    const image = fixture.skopeo.anonymous.multiarch!;
    await skopeo([
      'copy',
      '--all',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${source}/ferry-test/multiarch:v1`,
      `docker://${upstream.host}/${repository}:v1`,
    ]);
    ferry = await startFerry(
      {
        registries: { ...localRegistries(source, target), [upstream.host]: { insecure: true } },
        // No tag kept by Ferry itself: once the upstream is gone, the tag must come from the cache registry.
        cache: { tagTtlSeconds: 0 },
        front: {
          aliases: { up: { registry: upstream.host, cacheInto: { registry: target, prefix: 'pulled' } } },
        },
        callers: { anonymous: true },
      },
      {},
      undefined,
      runtime,
    );
    const front = new URL(ferry.base).host;
    const outs = [join(dir, `first-a-${runtime}`), join(dir, `first-b-${runtime}`)];
    await Promise.all(outs.map((out) => pull(front, `up/${repository}:v1`, out)));
    for (const out of outs) expect(pulledDigest(out)).toBe(image.digest);

    // One copy job for the two pulls, done: the image is in the cache registry, under its tag.
    let jobs: { id: string; state: string; request?: { target: string } }[] = [];
    for (let i = 0; i < 100; i++) {
      const list = (await (await fetch(`${ferry.base}/v1/jobs?kind=copy`)).json()) as { jobs: typeof jobs };
      jobs = list.jobs.filter((j) => j.request?.target === `${target}/pulled/${repository}:v1`);
      if (jobs.length && jobs.every((j) => j.state === 'done' || j.state === 'failed')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(jobs.map((j) => j.state)).toEqual(['done']);
    const kept = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${target}/pulled/${repository}:v1`]);
    expect(kept.toString('base64')).toBe(image.raw);

    await upstream.stop();
    upstream = undefined;
    const later = join(dir, `after-upstream-stopped-${runtime}`);
    await pull(front, `up/${repository}:v1`, later);
    expect(pulledDigest(later)).toBe(image.digest);
  },
  120_000,
);
