// The registry front, measured: skopeo pulling an image whole through Ferry (Node and workerd) against
// pulling it from the registry directly in the same run; a cached manifest HEAD's median on Node; and the
// upstream requests a pull of a digest Ferry holds already makes (counted in process).

import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/parse.js';
import { realSleep, type Deps, type FetchLike } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import { MemoryKv } from '../src/kv/memory.js';
import { computeDigest } from '../src/registry/digest.js';
import { MemoryState } from '../src/state/memory.js';
import { startFerry, type Runtime } from '../test/support/ferry-process.js';
import { skopeo } from '../test/support/skopeo.js';
import { startProxyWorker } from './worker-proxy-floor.js';

export interface FrontPullFigures {
  pulls: {
    runtime: Runtime;
    directSeconds: number;
    frontSeconds: number;
    ratio: number;
    runs: number;
    /** workerd: through a worker that only passes requests on, under the same dev server (the floor). */
    floorSeconds?: number;
  }[];
  head: { runtime: Runtime; medianMs: number; p95Ms: number; requests: number };
  /** Upstream requests of a second GET and HEAD of a manifest by a digest Ferry has served already. */
  upstreamRequestsCachedDigest: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)]!;

async function pullSeconds(dir: string, from: string): Promise<number> {
  const out = mkdtempSync(join(dir, 'pull-'));
  const start = performance.now();
  await skopeo(['copy', '--all', '--src-tls-verify=false', `docker://${from}`, `dir:${out}`]);
  const seconds = (performance.now() - start) / 1000;
  rmSync(out, { recursive: true, force: true });
  return seconds;
}

/** In process, with every upstream request counted: a digest's second GET and HEAD. */
async function countCachedDigest(config: unknown, repository: string, digest: string): Promise<number> {
  let requests = 0;
  const counting: FetchLike = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const pending: Promise<unknown>[] = [];
  const deps: Deps = {
    kv: new MemoryKv(),
    state: new MemoryState(),
    defer: (work) => void pending.push(work),
    fetch: counting,
    config: parseConfig(config),
    now: () => Date.now(),
    sleep: realSleep,
    log: { info: () => {}, warn: () => {}, error: () => {} },
  };
  const app = createApp(deps);
  const path = `http://localhost/v2/bench/${repository}/manifests/${digest}`;
  await (await app.fetch(new Request(path))).arrayBuffer();
  await Promise.all(pending);
  requests = 0;
  await (await app.fetch(new Request(path))).arrayBuffer();
  await app.fetch(new Request(path, { method: 'HEAD' }));
  return requests;
}

export async function benchFrontPull(
  dir: string,
  sourceHost: string,
  image: { repository: string; tag: string },
  runtimes: Runtime[],
  runs: number,
): Promise<FrontPullFigures> {
  const config = {
    registries: { [sourceHost]: { insecure: true } },
    front: { aliases: { bench: { registry: sourceHost } } },
    callers: { anonymous: true },
  };
  const pulls: FrontPullFigures['pulls'] = [];
  let head: FrontPullFigures['head'] | undefined;
  for (const runtime of runtimes) {
    const ferry = await startFerry(config, {}, undefined, runtime);
    try {
      const front = new URL(ferry.base).host;
      const direct: number[] = [];
      const through: number[] = [];
      const floor: number[] = [];
      const proxy = runtime === 'workerd' ? await startProxyWorker(dir, sourceHost) : undefined;
      try {
        await pullSeconds(dir, `${front}/bench/${image.repository}:${image.tag}`); // warm: code loaded, tag known
        for (let run = 0; run < runs; run++) {
          // Rotated, so no side always runs on a warmer page cache.
          const sides = ['direct', 'front', ...(proxy ? ['floor'] : [])];
          for (let i = 0; i < sides.length; i++) {
            const side = sides[(i + run) % sides.length];
            if (side === 'direct')
              direct.push(await pullSeconds(dir, `${sourceHost}/${image.repository}:${image.tag}`));
            else if (side === 'front')
              through.push(await pullSeconds(dir, `${front}/bench/${image.repository}:${image.tag}`));
            else floor.push(await pullSeconds(dir, `${proxy!.host}/${image.repository}:${image.tag}`));
          }
        }
      } finally {
        await proxy?.stop();
      }
      pulls.push({
        runtime,
        directSeconds: median(direct),
        frontSeconds: median(through),
        ratio: median(through) / median(direct),
        runs,
        ...(floor.length ? { floorSeconds: median(floor) } : {}),
      });
      if (runtime === 'node') {
        const url = `${ferry.base}/v2/bench/${image.repository}/manifests/${image.tag}`;
        const digest = (await fetch(url)).headers.get('docker-content-digest')!;
        const byDigest = url.replace(/manifests\/[^/]+$/, `manifests/${digest}`);
        const times: number[] = [];
        for (let i = 0; i < 210; i++) {
          const start = performance.now();
          await fetch(byDigest, { method: 'HEAD' });
          if (i >= 10) times.push(performance.now() - start); // the first ten warm it
        }
        head = { runtime, medianMs: median(times), p95Ms: p95(times), requests: times.length };
      }
    } finally {
      await ferry.stop();
    }
  }
  const raw = await skopeo([
    'inspect',
    '--raw',
    '--tls-verify=false',
    `docker://${sourceHost}/${image.repository}:${image.tag}`,
  ]);
  const manifestDigest = await computeDigest(new Uint8Array(raw));
  return {
    pulls,
    head: head ?? { runtime: 'node', medianMs: NaN, p95Ms: NaN, requests: 0 },
    upstreamRequestsCachedDigest: await countCachedDigest(config, image.repository, manifestDigest),
  };
}
