// `npm run load`: a bounded, self-stopping load run against 127.0.0.1 only. Ferry as `npm start` runs it
// (workerd) serves waves of 200 concurrent inspect requests while 8 copies run at once; the run reports
// errors, latencies and the serving process's RSS over time (it must stay flat).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from '../test/support/binaries.js';
import { startFerry, type Runtime } from '../test/support/ferry-process.js';
import { startRegistry } from '../test/support/registries.js';
import { skopeoCopy } from '../test/support/skopeo.js';
import { buildImage } from './images.js';

const MiB = 1024 * 1024;
const INSPECT_CONCURRENCY = 200;
const INSPECT_WAVES = Number(process.env.LOAD_WAVES ?? 10);
const COPIES = 8;
const COPY_ROUNDS = Number(process.env.LOAD_COPY_ROUNDS ?? 3);
const RUNTIME = (process.env.LOAD_RUNTIME ?? 'workerd') as Runtime;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main() {
  for (const b of ['docker-registry', 'skopeo']) requireBinary(b);
  const dir = mkdtempSync(join(tmpdir(), 'ferry-load-'));
  const registries = await Promise.all([
    startRegistry(dir, 'source', join(dir, 'source-storage'), { kind: 'anonymous' }),
    startRegistry(dir, 'target', join(dir, 'target-storage'), { kind: 'anonymous' }),
  ]);
  const [source, target] = registries;
  const ferry = await startFerry(
    {
      registries: { [source.host]: { insecure: true }, [target.host]: { insecure: true } },
      callers: { anonymous: true },
    },
    {},
    join(dir, 'state'),
    RUNTIME,
  );
  try {
    const layout = buildImage(join(dir, 'layouts'), { name: 'load', layers: 4, layerSize: 8 * MiB });
    await skopeoCopy(`oci:${layout}:v1`, `docker://${source.host}/load/app:v1`);
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(ferry.rssBytes()), 100);
    const latencies: number[] = [];
    let errors = 0;
    const inspect = async (path: string) => {
      const started = performance.now();
      try {
        const res = await fetch(`${ferry.base}${path}`);
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - started);
    };
    const digest = (await (await fetch(`${ferry.base}/v1/inspect/${source.host}/load/app:v1`)).json()).digest as string;
    // LOAD_PATHS=health: only /healthz, to tell the runtime's own growth from Ferry's.
    const paths =
      process.env.LOAD_PATHS === 'health'
        ? ['/healthz']
        : [
            `/v1/inspect/${source.host}/load/app:v1`,
            `/v1/inspect/${source.host}/load/app@${digest}?platform=linux/arm64`,
            `/v1/manifest/${source.host}/load/app@${digest}`,
          ];

    const copyResults: { ok: boolean; seconds: number }[] = [];
    const copies = (async () => {
      for (let round = 0; round < COPY_ROUNDS; round++) {
        await Promise.all(
          Array.from({ length: COPIES }, async (_, i) => {
            const started = performance.now();
            const res = await fetch(`${ferry.base}/v1/copy`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', accept: 'application/json' },
              body: JSON.stringify({
                source: `${source.host}/load/app:v1`,
                target: `${target.host}/load/copy-${round}-${i}:v1`,
              }),
            });
            await res.arrayBuffer();
            copyResults.push({ ok: res.status === 200, seconds: (performance.now() - started) / 1000 });
          }),
        );
      }
    })();
    const started = performance.now();
    for (let wave = 0; wave < INSPECT_WAVES; wave++) {
      await Promise.all(Array.from({ length: INSPECT_CONCURRENCY }, (_, i) => inspect(paths[i % paths.length]!)));
    }
    const inspectSeconds = (performance.now() - started) / 1000;
    await copies;
    clearInterval(sampler);

    const copyErrors = copyResults.filter((c) => !c.ok).length;
    const mib = (b: number) => (b / MiB).toFixed(0);
    console.log(`runtime: ${RUNTIME}`);
    console.log(
      `inspect: ${latencies.length} requests in waves of ${INSPECT_CONCURRENCY}, ${errors} errors, ${(latencies.length / inspectSeconds).toFixed(0)} req/s, p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );
    console.log(
      `copy: ${copyResults.length} copies of a 64 MiB image (${COPIES} at once), ${copyErrors} errors, median ${percentile(
        copyResults.map((c) => c.seconds),
        50,
      ).toFixed(2)} s`,
    );
    const sixths = Array.from({ length: 6 }, (_, i) =>
      mib(Math.max(...rss.slice(Math.floor((i * rss.length) / 6), Math.floor(((i + 1) * rss.length) / 6)))),
    );
    console.log(
      `rss of the serving process: peak ${mib(Math.max(...rss))} MiB; max per sixth of the run: ${sixths.join(', ')} MiB`,
    );
    if (errors || copyErrors) process.exitCode = 1;
  } finally {
    await ferry.stop();
    for (const r of registries) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
