// Did a change make copies slower, or did the machine? Cold copies of the small-blobs image by two (or more)
// checkouts of Ferry, in alternating order, between the same two registries in one run, beside skopeo, crane
// and the registries' floor. Each build is `<name>=<checkout>:<runtime>`, runtime `workerd` (its `npm start`)
// or `node` (its dist/entries/node.js, built with `npx tsc -p entries`). Example, against a week-old commit:
//   git worktree add /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/ && (cd /tmp/old && npx tsc -p entries)
//   npx tsc -p bench && node .tmp/bench-build/bench/compare-builds.js old=/tmp/old:workerd new=.:workerd
// COMPARE_RUNS (default 6) sets the rounds; COMPARE_IMAGE=large copies the 2 GiB image instead.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/support/ports.js';
import { startRegistry, type RunningRegistry } from '../test/support/registries.js';
import { skopeoCopy } from '../test/support/skopeo.js';
import { floorCopy } from './floor.js';
import { buildImage } from './images.js';
import { peers } from './peers.js';

const MiB = 1024 * 1024;
const RUNS = Number(process.env.COMPARE_RUNS ?? 6);
const IMAGE =
  process.env.COMPARE_IMAGE === 'large'
    ? { name: 'large', layers: 8, layerSize: 128 * MiB }
    : { name: 'small-blobs', layers: 40, layerSize: MiB / 4 };

const builds = process.argv.slice(2).map((arg) => {
  const [name, where] = arg.split('=') as [string, string];
  const [checkout, runtime] = where.split(':') as [string, 'workerd' | 'node'];
  return { name, checkout: resolve(checkout), runtime };
});
if (!builds.length || builds.some((b) => !b.checkout || !['workerd', 'node'].includes(b.runtime)))
  throw new Error('usage: compare-builds.js <name>=<checkout>:<workerd|node> ...');

const dir = mkdtempSync(join(tmpdir(), 'ferry-compare-'));
const source = await startRegistry(dir, 'source', join(dir, 'source-storage'), { kind: 'anonymous' });
const targetPort = await freePort();
let target: RunningRegistry | undefined;
let generation = 0;
const freshTarget = async () => {
  await target?.stop();
  target = await startRegistry(
    dir,
    'target',
    join(dir, `target-${++generation}`),
    { kind: 'anonymous' },
    {
      port: targetPort,
    },
  );
  return target.host;
};
const src = `${source.host}/bench/${IMAGE.name}:v1`;
await skopeoCopy(`oci:${buildImage(join(dir, 'layouts'), IMAGE)}:v1`, `docker://${src}`);
const config = JSON.stringify({
  registries: { [source.host]: { insecure: true }, [`127.0.0.1:${targetPort}`]: { insecure: true } },
  copy: { concurrency: 6, resumeDownloads: true },
  callers: { anonymous: true },
});

const times: Record<string, number[]> = {};
const timed = async (name: string, work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  (times[name] ??= []).push((performance.now() - started) / 1000);
};

async function startBuild(build: (typeof builds)[number], port: number, state: string): Promise<ChildProcess> {
  const env = {
    ...process.env,
    FERRY_CONFIG: config,
    PORT: String(port),
    FERRY_STATE_DIR: state,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  };
  const child =
    build.runtime === 'workerd'
      ? spawn('npm', ['start'], { cwd: build.checkout, env, stdio: 'ignore', detached: true })
      : spawn(process.execPath, [join(build.checkout, 'dist/entries/node.js')], {
          env,
          stdio: 'ignore',
          detached: true,
        });
  for (let i = 0; i < 600; i++) {
    try {
      await (await fetch(`http://127.0.0.1:${port}/healthz`)).text(); // served, and its code loaded
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${build.name} did not start`);
}

const buildRound = (build: (typeof builds)[number]) => async () => {
  const host = await freshTarget();
  const port = await freePort();
  const state = mkdtempSync(join(dir, 'state-'));
  const child = await startBuild(build, port, state);
  try {
    await timed(build.name, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/copy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ source: src, target: `${host}/bench/${IMAGE.name}:v1` }),
      });
      const body = await res.text();
      if (!res.ok) throw new Error(`${build.name}: ${body}`);
    });
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    rmSync(state, { recursive: true, force: true });
  }
};
const others = peers().filter((p) => p.name !== 'regctl');
const rounds = [
  ...builds.map(buildRound),
  ...others.map(
    (peer) => async () => timed(peer.name, async () => peer.cold(src, `${await freshTarget()}/bench/x:v1`)),
  ),
  async () => {
    const host = await freshTarget();
    await timed("registries' floor", () => floorCopy('cold', src, `${host}/bench/x:v1`));
  },
];
try {
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < rounds.length; i++) {
      await rounds[(i + run) % rounds.length]!();
      await new Promise((r) => setTimeout(r, 1000)); // the registries flush before the next round
    }
  }
} finally {
  await target?.stop();
  await source.stop();
  rmSync(dir, { recursive: true, force: true });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`\n| ${IMAGE.name}, cold, ${RUNS} rounds | median | every round |\n| --- | --- | --- |`);
for (const [name, values] of Object.entries(times))
  console.log(`| ${name} | ${median(values).toFixed(2)} s | ${values.map((v) => v.toFixed(2)).join(' / ')} |`);
