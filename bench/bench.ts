// `npm run bench`: Ferry (as `npm start` runs it: workerd via wrangler, and on Node, Deno, Bun) beside its
// peers (`skopeo copy --all`, `crane copy`, `regctl image copy`: bench/peers.ts), on the same images between
// the same two local registries, the order rotating from run to run. Prints medians, ratios to skopeo and to
// the fastest peer, the registries' floor (bench/floor.ts), and the serving process's peak RSS. Sizes shrink with BENCH_SCALE (e.g. 0.1) and runs with
// BENCH_RUNS.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBinary } from '../test/support/binaries.js';
import { startFerry, type FerryProcess, type Runtime } from '../test/support/ferry-process.js';
import { benchConsole } from './console.js';
import { benchJobList } from './job-list.js';
import { benchFrontPull } from './front-pull.js';
import { benchSyncSets } from './sync-sets.js';
import { countCopies } from './counts.js';
import { timePatterns } from './patterns.js';
import { timeDeadlines } from './deadlines.js';
import { buildImage, type ImageSpec } from './images.js';
import { freePort } from '../test/support/ports.js';
import { startRegistry, type RunningRegistry } from '../test/support/registries.js';
import { skopeoCopy } from '../test/support/skopeo.js';
import { peers } from './peers.js';
import { floorCopy } from './floor.js';
import { benchConfigCheck } from './config-check.js';
import { benchAirGap } from './air-gap.js';

const MiB = 1024 * 1024;
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ALL_IMAGES: ImageSpec[] = [
  { name: 'large', layers: 8, layerSize: Math.round(128 * MiB * SCALE) },
  { name: 'small-blobs', layers: 40, layerSize: Math.round(0.25 * MiB * Math.max(SCALE, 0.25)) },
];
// BENCH_IMAGES=small-blobs: only those (none: no copies, the other figures only).
const IMAGES = process.env.BENCH_IMAGES
  ? ALL_IMAGES.filter((i) => process.env.BENCH_IMAGES!.split(',').includes(i.name))
  : ALL_IMAGES;
// Ferry as `npm start` (workerd) and on the other runtimes' entries, so users can choose by numbers.
// BENCH_RUNTIMES=none: the command line and skopeo only.
const RUNTIMES = (process.env.BENCH_RUNTIMES ?? 'workerd,node,deno,bun')
  .split(',')
  .filter((r) => r && r !== 'none') as Runtime[];
// The command line in local mode (`ferry copy`, no server) beside skopeo: BENCH_CLI=false leaves it out.
const WITH_CLI = process.env.BENCH_CLI !== 'false';
// The console's pages (server time and weight): BENCH_CONSOLE=false leaves them out; measured on workerd
// and Node whatever BENCH_RUNTIMES says (Node's Server-Timing is the page's own time).
const WITH_CONSOLE = process.env.BENCH_CONSOLE !== 'false';
// The registry front: skopeo pulling the large image through Ferry against directly. BENCH_FRONT=false leaves it out.
const WITH_FRONT = process.env.BENCH_FRONT !== 'false';
// Sync sets against skopeo sync and regsync (cold, warm, a tenth changed): BENCH_SYNC=false leaves it out;
// BENCH_SYNC_REPOSITORIES and BENCH_SYNC_TAGS size the corpus (20 of 25 by default, as ocync's small scale).
const WITH_SYNC = process.env.BENCH_SYNC !== 'false';
// GET /v1/jobs and the console's list over an index of BENCH_JOB_ROWS rows: BENCH_JOB_LIST=false leaves it out.
const WITH_JOB_LIST = process.env.BENCH_JOB_LIST !== 'false';
// Air-gap transports (a 2 GiB layer, times BENCH_SCALE, to an archive and back, beside skopeo, peak RSS):
// BENCH_AIR_GAP=false leaves it out.
const WITH_AIR_GAP = process.env.BENCH_AIR_GAP !== 'false';

/**
 * Cases are measured apart: Ferry writes its blob memory to KV after answering (waitUntil), and the
 * registries flush their writes; neither should land in the next case's time.
 */
const settle = () => new Promise((r) => setTimeout(r, 1000));

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function ferryCopy(
  ferry: FerryProcess,
  source: string,
  target: string,
  accept = 'application/json',
): Promise<void> {
  const res = await fetch(`${ferry.base}/v1/copy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ source, target }),
  });
  const body = await res.text();
  if (
    !res.ok ||
    (accept === 'application/x-ndjson' && !body.trimEnd().split('\n').at(-1)!.includes('"type":"done","result"'))
  ) {
    throw new Error(`Ferry copy ${source} -> ${target} failed: ${body.slice(-500)}`);
  }
}

/** CPU seconds the serving process spent on `work`. */
async function cpuOf(ferry: FerryProcess, work: () => Promise<void>): Promise<number> {
  const before = ferry.cpuSeconds();
  await work();
  return ferry.cpuSeconds() - before;
}

const FERRY_CLI = fileURLToPath(new URL('../../../dist/cli/ferry.cjs', import.meta.url));

/** `ferry copy` in local mode, as a user at a terminal runs it: a process per copy, no server. */
function cliCopy(source: string, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [FERRY_CLI, 'copy', source, target, '--quiet'],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME } },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`ferry copy ${source} -> ${target} failed: ${stderr.slice(-500)}`)) : resolve(),
    );
  });
}

/**
 * One short run after the build, as on a user's machine where ferry ran before: it writes the code cache
 * (which a long run does not), as the served runtimes are asked /healthz before they are timed.
 */
function primeCli(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [FERRY_CLI, 'version'],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME } },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

/**
 * What any Node command line pays before its first request: starting Node and loading the Web classes
 * (Request, Response, Headers: undici, loaded on first use) that Ferry's Web-standard code is made of.
 */
function nodeFloor(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', "new Response('')"], (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Node's floor for a warm copy: the floor above plus the fewest requests that learn the copy is done (both
 * pings together, the source's tag, the target's tag: three rounds; Ferry's takes four, asking the target only
 * once the source is known to be there), with node:http and nothing else: no auth, no checks, no output.
 * What no Node command line can go below.
 */
function nodeFloorWithRequests(source: string, target: string): Promise<void> {
  const [from, to] = [source, target].map((ref) => {
    const [host, ...rest] = ref.split('/');
    const [repository, tag] = rest.join('/').split(':');
    return { base: `http://${host}`, repository, tag };
  });
  const script = `
    new Response('');
    const http = require('node:http');
    const send = (method, url, accept) => new Promise((resolve, reject) => {
      http.request(url, { method, headers: accept ? { accept } : {} }, (res) => { res.resume(); res.on('end', () => resolve(res)); }).on('error', reject).end();
    });
    const index = 'application/vnd.oci.image.index.v1+json';
    const [a, b] = ${JSON.stringify([from, to])};
    (async () => {
      await Promise.all([send('GET', a.base + '/v2/'), send('GET', b.base + '/v2/')]);
      const got = await send('GET', a.base + '/v2/' + a.repository + '/manifests/' + a.tag, index);
      const head = await send('HEAD', b.base + '/v2/' + b.repository + '/manifests/' + b.tag, index);
      if (got.headers['docker-content-digest'] !== head.headers['docker-content-digest']) process.exit(1);
    })();`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], (error) => (error ? reject(error) : resolve()));
  });
}

async function main() {
  for (const b of ['docker-registry', 'skopeo', 'htpasswd']) requireBinary(b);
  const PEERS = peers();
  if (WITH_CLI) await primeCli();
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const source = await startRegistry(dir, 'source', join(dir, 'source-storage'), { kind: 'anonymous' });
    stops.push(() => source.stop());
    const targetPort = await freePort();
    let target: RunningRegistry | undefined;
    let generation = 0;
    // A cold case needs a target that has never seen the blobs: wipe its storage and restart it.
    const freshTarget = async () => {
      await target?.stop();
      rmSync(join(dir, `target-storage-${generation}`), { recursive: true, force: true });
      generation++;
      target = await startRegistry(
        dir,
        'target',
        join(dir, `target-storage-${generation}`),
        { kind: 'anonymous' },
        { port: targetPort },
      );
      return target.host;
    };
    stops.push(async () => target?.stop());
    const targetHost = `127.0.0.1:${targetPort}`;
    const config = {
      registries: { [source.host]: { insecure: true }, [targetHost]: { insecure: true } },
      // Local workerd is not bound by the Workers connection limit; use skopeo's parallelism (6).
      copy: {
        concurrency: Number(process.env.BENCH_CONCURRENCY ?? 6),
        resumeDownloads: process.env.BENCH_RESUME !== 'false',
      },
      callers: { anonymous: true },
    };

    const rows: string[] = [];
    const counted: string[] = [];
    const results: Record<string, unknown>[] = [];
    for (const spec of IMAGES) {
      const bytes = 2 * spec.layers * spec.layerSize;
      console.log(
        `\n# ${spec.name}: 2 platforms x ${spec.layers} layers x ${(spec.layerSize / MiB).toFixed(2)} MiB = ${(bytes / MiB).toFixed(0)} MiB`,
      );
      const layoutDir = buildImage(join(dir, 'layouts'), spec);
      const src = `${source.host}/bench/${spec.name}:v1`;
      await skopeoCopy(`oci:${layoutDir}:v1`, `docker://${src}`);
      rmSync(layoutDir, { recursive: true, force: true });

      const times: Record<string, number[]> = {};
      const peaks: Record<string, number> = {};
      const cpuMsPerMiB: Record<string, number[]> = {};
      const add = (name: string, seconds: number) => (times[name] ??= []).push(seconds);
      const ferryRound = async (runtime: Runtime) => {
        const host = await freshTarget();
        const state = mkdtempSync(join(dir, 'ferry-state-'));
        const ferry = await startFerry(config, {}, state, runtime);
        await (await fetch(`${ferry.base}/healthz`)).text(); // a served service is warm: load the code first
        let peak = ferry.rssBytes();
        const sampler = setInterval(() => (peak = Math.max(peak, ferry.rssBytes())), 50);
        try {
          add(`${runtime} cold`, await timed(() => ferryCopy(ferry, src, `${host}/bench/${spec.name}:v1`)));
          await settle();
          add(`${runtime} warm`, await timed(() => ferryCopy(ferry, src, `${host}/bench/${spec.name}:v1`)));
          await settle();
          add(
            `${runtime} same-registry new repo`,
            await timed(() => ferryCopy(ferry, `${host}/bench/${spec.name}:v1`, `${host}/bench/${spec.name}-copy:v1`)),
          );
        } finally {
          clearInterval(sampler);
          peaks[runtime] = Math.max(peaks[runtime] ?? 0, peak);
          await ferry.stop();
          rmSync(state, { recursive: true, force: true });
        }
      };
      const cliRound = async () => {
        const host = await freshTarget();
        add('ferry CLI cold', await timed(() => cliCopy(src, `${host}/bench/${spec.name}:v1`)));
        await settle();
        add('ferry CLI warm', await timed(() => cliCopy(src, `${host}/bench/${spec.name}:v1`)));
        await settle();
        add(
          'ferry CLI same-registry new repo',
          await timed(() => cliCopy(`${host}/bench/${spec.name}:v1`, `${host}/bench/${spec.name}-copy:v1`)),
        );
        add('node floor', await timed(nodeFloor));
        add('node floor with requests', await timed(() => nodeFloorWithRequests(src, `${host}/bench/${spec.name}:v1`)));
      };
      const peerRound = async (peer: (typeof PEERS)[number]) => {
        const host = await freshTarget();
        add(`${peer.name} cold`, await timed(() => peer.cold(src, `${host}/bench/${spec.name}:v1`)));
        await settle();
        add(`${peer.name} warm`, await timed(() => peer.copy(src, `${host}/bench/${spec.name}:v1`)));
        await settle();
        add(
          `${peer.name} same-registry new repo`,
          await timed(() => peer.cold(`${host}/bench/${spec.name}:v1`, `${host}/bench/${spec.name}-copy:v1`)),
        );
      };
      // The registries' floor (bench/floor.ts): what no client can beat here.
      const floorRound = async () => {
        const host = await freshTarget();
        add('floor cold', await timed(() => floorCopy('cold', src, `${host}/bench/${spec.name}:v1`)));
        await settle();
        add('floor warm', await timed(() => floorCopy('warm', src, `${host}/bench/${spec.name}:v1`)));
        await settle();
        add(
          'floor same-registry new repo',
          await timed(() => floorCopy('mount', `${host}/bench/${spec.name}:v1`, `${host}/bench/${spec.name}-copy:v1`)),
        );
        await settle();
        add('floor read', await timed(() => floorCopy('read', src, `${host}/bench/unused:v1`)));
        const empty = await freshTarget();
        add('floor write', await timed(() => floorCopy('write', src, `${empty}/bench/${spec.name}:v1`)));
      };
      // CPU per MiB of the cold copy as JSON and as streamed NDJSON, measured apart from the timed rounds
      // (a 2 GiB copy more per round would leave the disk flushing into the next round's timing).
      const cpuRound = async (runtime: Runtime) => {
        const state = mkdtempSync(join(dir, 'ferry-state-'));
        const ferry = await startFerry(config, {}, state, runtime);
        try {
          for (const [format, accept] of [
            ['json', 'application/json'],
            ['ndjson', 'application/x-ndjson'],
          ] as const) {
            const host = await freshTarget();
            await settle();
            const cpu = await cpuOf(ferry, () => ferryCopy(ferry, src, `${host}/bench/${spec.name}:v1`, accept));
            (cpuMsPerMiB[`${runtime} ${format}`] ??= []).push((cpu * 1000) / (bytes / MiB));
          }
        } finally {
          await ferry.stop();
          rmSync(state, { recursive: true, force: true });
        }
      };
      const rounds: (() => Promise<void>)[] = [
        ...PEERS.map((peer) => () => peerRound(peer)),
        floorRound,
        ...RUNTIMES.map((runtime) => () => ferryRound(runtime)),
        ...(WITH_CLI ? [cliRound] : []),
      ];
      for (let run = 0; run < RUNS; run++) {
        // Rotate who goes first, so none always meets a warmer (or a busier) page cache.
        for (let i = 0; i < rounds.length; i++) await rounds[(i + run) % rounds.length]!();
        console.log(
          `run ${run + 1}/${RUNS}: ${Object.entries(times)
            .map(([k, v]) => `${k} ${v[v.length - 1]!.toFixed(2)}s`)
            .join(', ')}`,
        );
      }
      for (const runtime of RUNTIMES) await cpuRound(runtime);
      // Each peer's median for a case, and the fastest of them.
      const peerMedians = (kind: string) => {
        const each = Object.fromEntries(PEERS.map((p) => [p.name, median(times[`${p.name} ${kind}`]!)]));
        return { each, fastest: Math.min(...Object.values(each)) };
      };
      const row = (runtime: string, kind: string, f: number) => {
        const { each, fastest } = peerMedians(kind);
        const cells = PEERS.map((p) => `${each[p.name]!.toFixed(2)} s`).join(' | ');
        return `| ${spec.name} | ${runtime} | ${kind} | ${f.toFixed(2)} s | ${cells} | ${(f / each.skopeo!).toFixed(2)} | ${(f / fastest).toFixed(2)} |`;
      };
      // Subrequests and KV operations per copy (the Workers limits), the same cases counted once.
      const coldHost = await freshTarget();
      for (const count of await countCopies(config, [
        { name: 'cold', source: src, target: `${coldHost}/bench/${spec.name}:v1` },
        { name: 'warm', source: src, target: `${coldHost}/bench/${spec.name}:v1` },
        {
          name: 'same-registry new repo',
          source: `${coldHost}/bench/${spec.name}:v1`,
          target: `${coldHost}/bench/${spec.name}-copy:v1`,
        },
      ])) {
        const blobs = count.streamed + count.mounted + count.skipped;
        counted.push(
          `| ${spec.name} | ${count.case} | ${blobs} (${count.streamed} streamed, ${count.mounted} mounted, ${count.skipped} there) | ${count.fetches} | ${count.subrequests} | ${count.kvReads} | ${count.kvWrites} | ${count.duplicateManifestGets} |`,
        );
        results.push({ image: spec.name, counted: count });
      }
      for (const kind of ['cold', 'warm', 'same-registry new repo']) {
        const f = median(times[`floor ${kind}`]!);
        rows.push(row("registries' floor (bench/floor.ts)", kind, f));
        results.push({ image: spec.name, runtime: 'floor', case: kind, floorSeconds: f, runs: RUNS });
      }
      for (const [half, label] of [
        ['read', "registries' floor: the source's blobs read only"],
        ['write', "registries' floor: as many bytes written to the target only"],
      ] as const) {
        const f = median(times[`floor ${half}`]!);
        rows.push(row(label, 'cold', f));
        results.push({ image: spec.name, runtime: `floor ${half}`, case: 'cold', floorSeconds: f, runs: RUNS });
      }
      if (WITH_CLI) {
        for (const kind of ['cold', 'warm', 'same-registry new repo']) {
          const f = median(times[`ferry CLI ${kind}`]!);
          const { each, fastest } = peerMedians(kind);
          rows.push(row('ferry CLI (local mode)', kind, f));
          results.push({
            image: spec.name,
            runtime: 'ferry CLI',
            case: kind,
            ferrySeconds: f,
            peerSeconds: each,
            skopeoSeconds: each.skopeo,
            ratio: f / each.skopeo!,
            ratioToFastestPeer: f / fastest,
            runs: RUNS,
            mib: bytes / MiB,
          });
        }
        const floor = median(times['node floor']!);
        const warm = median(times['skopeo warm']!);
        rows.push(
          `| ${spec.name} | Node's floor (\`node -e "new Response('')"\`) | any | ${floor.toFixed(2)} s | ${warm.toFixed(2)} s (warm) | ${(floor / warm).toFixed(2)} |`,
        );
        results.push({
          image: spec.name,
          runtime: 'node floor',
          floorSeconds: floor,
          skopeoWarmSeconds: warm,
          ratio: floor / warm,
          runs: RUNS,
        });
        const floorCopy = median(times['node floor with requests']!);
        rows.push(
          `| ${spec.name} | Node's floor with a warm copy's requests (node:http, 3 rounds) | warm | ${floorCopy.toFixed(2)} s | ${warm.toFixed(2)} s | ${(floorCopy / warm).toFixed(2)} |`,
        );
        results.push({
          image: spec.name,
          runtime: 'node floor with requests',
          floorSeconds: floorCopy,
          skopeoWarmSeconds: warm,
          ratio: floorCopy / warm,
          runs: RUNS,
        });
      }
      for (const runtime of RUNTIMES) {
        for (const kind of ['cold', 'warm', 'same-registry new repo']) {
          const f = median(times[`${runtime} ${kind}`]!);
          const { each, fastest } = peerMedians(kind);
          rows.push(row(runtime, kind, f));
          results.push({
            image: spec.name,
            runtime,
            case: kind,
            ferrySeconds: f,
            peerSeconds: each,
            skopeoSeconds: each.skopeo,
            ratio: f / each.skopeo!,
            ratioToFastestPeer: f / fastest,
            runs: RUNS,
            mib: bytes / MiB,
          });
        }
        results.push({ image: spec.name, runtime, ferryPeakRssMiB: peaks[runtime]! / MiB });
        const json = median(cpuMsPerMiB[`${runtime} json`]!);
        const ndjson = median(cpuMsPerMiB[`${runtime} ndjson`]!);
        results.push({ image: spec.name, runtime, cpuMsPerMiB: { json, ndjson, ratio: ndjson / json } });
        rows.push(
          `| ${spec.name} | ${runtime} | cold CPU per MiB, JSON / NDJSON | ${json.toFixed(2)} / ${ndjson.toFixed(2)} ms (NDJSON/JSON ${(ndjson / json).toFixed(2)}) | | |`,
        );
        rows.push(
          `| ${spec.name} | ${runtime} | peak RSS of the serving process | ${(peaks[runtime]! / MiB).toFixed(0)} MiB | | |`,
        );
      }
    }
    console.log(
      `\n| image | runtime | case | Ferry (median) | ${PEERS.map((p) => `${p.name} (median)`).join(' | ')} | Ferry/skopeo | Ferry/fastest peer |\n| --- | --- | --- | --- | ${PEERS.map(() => '---').join(' | ')} | --- | --- |\n${rows.join('\n')}`,
    );
    console.log(
      `\n| image | case | blobs | fetches | subrequests (fetch + KV + state) | KV reads | KV writes | duplicate manifest GETs |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n${counted.join('\n')}`,
    );
    if (WITH_FRONT) {
      const spec = { ...ALL_IMAGES[0]!, name: 'front-large' };
      const layoutDir = buildImage(join(dir, 'layouts'), spec);
      await skopeoCopy(`oci:${layoutDir}:v1`, `docker://${source.host}/bench/${spec.name}:v1`);
      rmSync(layoutDir, { recursive: true, force: true });
      const runtimes = RUNTIMES.filter((r) => r === 'node' || r === 'workerd');
      const front = await benchFrontPull(
        dir,
        source.host,
        { repository: `bench/${spec.name}`, tag: 'v1' },
        runtimes,
        RUNS,
      );
      results.push({ front });
      const size = (2 * spec.layers * spec.layerSize) / MiB;
      console.log(
        `\n| pull through the front (${size.toFixed(0)} MiB, skopeo copy --all to dir:) | direct | through Ferry | ratio | through a pass-through worker (floor) |\n| --- | --- | --- | --- | --- |\n${front.pulls
          .map(
            (p) =>
              `| ${p.runtime} | ${p.directSeconds.toFixed(2)} s | ${p.frontSeconds.toFixed(2)} s | ${p.ratio.toFixed(2)} | ${p.floorSeconds !== undefined ? `${p.floorSeconds.toFixed(2)} s (${(p.floorSeconds / p.directSeconds).toFixed(2)})` : ''} |`,
          )
          .join('\n')}`,
      );
      console.log(
        `\ncached manifest HEAD by digest on Node: median ${front.head.medianMs.toFixed(2)} ms, p95 ${front.head.p95Ms.toFixed(2)} ms over ${front.head.requests}; upstream requests of a cached digest's GET and HEAD: ${front.upstreamRequestsCachedDigest}`,
      );
    }
    if (WITH_CONSOLE) {
      const figures = await benchConsole(dir, source.host, ['node', 'workerd']);
      results.push({ console: figures });
      const byPage = new Map<string, Partial<Record<string, (typeof figures)[number]>>>();
      for (const f of figures) byPage.set(f.page, { ...byPage.get(f.page), [f.runtime]: f });
      console.log(
        `\n| console page | Node: server time (Server-Timing) | Node: client waited | workerd: client waited | gzip weight |\n| --- | --- | --- | --- | --- |\n${[
          ...byPage,
        ]
          .map(
            ([page, r]) =>
              `| ${page} | ${r.node?.serverMs.toFixed(1)} ms | ${r.node?.clientMs.toFixed(1)} ms | ${r.workerd?.clientMs.toFixed(1)} ms | ${Math.max(r.node?.gzipKiB ?? 0, r.workerd?.gzipKiB ?? 0).toFixed(1)} KiB |`,
          )
          .join('\n')}`,
      );
    }
    if (WITH_JOB_LIST) {
      const jobList = await benchJobList(dir, source.host, ['node', 'workerd']);
      results.push({ jobList });
      console.log(
        `\n| job list (${jobList[0]?.rows.toLocaleString('en')} rows) | runtime | rows built in | median | p95 | jobs |\n| --- | --- | --- | --- | --- | --- |\n${jobList
          .map(
            (f) =>
              `| \`${f.query}\` | ${f.runtime} | ${f.buildSeconds.toFixed(0)} s | ${f.medianMs.toFixed(1)} ms | ${f.p95Ms.toFixed(1)} ms | ${f.jobs} |`,
          )
          .join('\n')}`,
      );
    }
    if (WITH_SYNC) {
      const sync = await benchSyncSets(dir, {
        repositories: Number(process.env.BENCH_SYNC_REPOSITORIES ?? 20),
        tags: Number(process.env.BENCH_SYNC_TAGS ?? 25),
        ferryCli: FERRY_CLI,
      });
      results.push({ sync });
      console.log(
        `\n| sync set (${process.env.BENCH_SYNC_REPOSITORIES ?? 20} repositories × ${process.env.BENCH_SYNC_TAGS ?? 25} tags, 2 platforms) | run | wall time | source requests | target requests | blob requests | 429s |\n| --- | --- | --- | --- | --- | --- | --- |\n${sync
          .map(
            (f) =>
              `| ${f.tool} | ${f.phase} | ${f.seconds.toFixed(2)} s | ${f.sourceRequests} | ${f.targetRequests} | ${f.blobRequests} | ${f.tooManyRequests} |`,
          )
          .join('\n')}`,
      );
    }
    const patterns = timePatterns();
    results.push({ patterns });
    console.log(
      `\n| tag pattern | tags | RE2 (Ferry), all tags | backtracking engine, one tag |\n| --- | --- | --- | --- |\n${patterns
        .map(
          (p) =>
            `| \`${p.pattern}\` | ${p.tags} | ${p.re2Ms.toFixed(0)} ms | ${p.backtracking.ms.toFixed(0)} ms at ${p.backtracking.tagLength} characters (doubling with each) |`,
        )
        .join('\n')}`,
    );
    const configCheck = await benchConfigCheck(dir, FERRY_CLI);
    results.push({ configCheck });
    console.log(
      `\n| \`ferry config check FILE\` (npm run config:check) | median of ${configCheck.runs} | Node's start (floor) |\n| --- | --- | --- |\n` +
        `| shipped command line, no compile | ${configCheck.checkMs.toFixed(0)} ms | ${configCheck.nodeFloorMs.toFixed(0)} ms |`,
    );
    if (WITH_AIR_GAP) {
      const airGap = await benchAirGap(dir, FERRY_CLI, Math.round(2048 * MiB * SCALE));
      results.push({ airGap });
      console.log(
        `\n| air gap, one ${(airGap.layerBytes / MiB).toFixed(0)} MiB layer | tool | wall time | peak RSS |\n| --- | --- | --- | --- |\n` +
          airGap.runs
            .map((r) => `| ${r.case} | ${r.tool} | ${r.seconds.toFixed(1)} s | ${r.peakMiB.toFixed(0)} MiB |`)
            .join('\n'),
      );
    }
    const deadlines = await timeDeadlines(dir, ['workerd', 'node']);
    results.push({ deadlines });
    console.log(
      `\n| a registry that never answers (1 s headers deadline) | answer | time to answer |\n| --- | --- | --- |\n${deadlines
        .map((d) => `| ${d.runtime} | ${d.code} (${d.phase}) | ${d.seconds.toFixed(2)} s |`)
        .join('\n')}`,
    );
    mkdirSync('.tmp', { recursive: true });
    writeFileSync(
      '.tmp/bench-results.json',
      JSON.stringify({ date: new Date().toISOString(), scale: SCALE, runs: RUNS, results }, null, 2),
    );
    console.log('\nraw figures: .tmp/bench-results.json');
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
