// The console's pages, measured: server time (the `Server-Timing` header each page carries) and weight
// (gzip-compressed, as a browser fetches them) with a warm inspect cache, on an image of 300 layers per
// platform. On Node the header is the time the page took; workerd's clock stands still while code runs
// (it moves on I/O only, against timing attacks), so there the time a client waited is given instead.

import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { buildImage } from './images.js';
import { startFerry, type Runtime } from '../test/support/ferry-process.js';
import { skopeoCopy } from '../test/support/skopeo.js';

export interface ConsolePageFigure {
  runtime: Runtime;
  page: string;
  serverMs: number;
  clientMs: number;
  gzipKiB: number;
}

const LAYERS = 300;
const ROUNDS = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function benchConsole(
  dir: string,
  registryHost: string,
  runtimes: Runtime[],
): Promise<ConsolePageFigure[]> {
  const layout = buildImage(join(dir, 'layouts'), { name: 'console-300', layers: LAYERS, layerSize: 1024 });
  const repository = `${registryHost}/bench/console-300`;
  await skopeoCopy(`oci:${layout}:v1`, `docker://${repository}:v1`, { all: true });
  await skopeoCopy(`oci:${layout}:v1`, `docker://${repository}:v2`, { all: true });
  const config = { registries: { [registryHost]: { insecure: true } }, callers: { anonymous: true } };
  const figures: ConsolePageFigure[] = [];
  for (const runtime of runtimes) {
    const ferry = await startFerry(config, {}, join(dir, `console-state-${runtime}`), runtime);
    try {
      const enc = (reference: string) => reference.split('/').map(encodeURIComponent).join('/');
      const pages: [string, string][] = [
        ['image (index)', `/console/image/${enc(`${repository}:v1`)}`],
        [`image (${LAYERS} layers)`, `/console/image/${enc(`${repository}:v1`)}?platform=linux/amd64`],
        ['raw manifest (index)', `/console/manifest/${enc(`${repository}:v1`)}`],
        ['tags', `/console/tags/${enc(repository)}`],
        ['catalog', `/console/catalog/${encodeURIComponent(registryHost)}`],
        [
          'compare',
          `/console/compare?from=${encodeURIComponent(`${repository}:v1`)}&to=${encodeURIComponent(`${repository}:v2`)}`,
        ],
        ['registries', '/console/registries'],
        ['copy form', '/console/copy'],
        ['jobs', '/console/jobs'],
        ['rules', '/console/rules'],
        ['audit', '/console/audit'],
      ];
      // A platform's image by digest, as the index page links it, and its raw manifest (300 layer digests).
      const child = (await (await fetch(`${ferry.base}${pages[0]![1]}`)).text()).match(
        /<a class="digest" href="[^"]*%40(sha256%3A[0-9a-f]{64})"/,
      )?.[1];
      if (!child) throw new Error('console bench: the index page links no platform');
      pages.push([`image (${LAYERS} layers, by digest)`, `/console/image/${enc(repository)}%40${child}`]);
      pages.push([`raw manifest (${LAYERS} layers)`, `/console/manifest/${enc(repository)}%40${child}`]);
      pages.push([
        `history, page 2 of ${Math.ceil((LAYERS + 1) / 100)}`,
        `/console/history/${enc(repository)}%40${child}?page=2`,
      ]);
      for (const [name, path] of pages) {
        const warm = await fetch(`${ferry.base}${path}`); // fills the inspect cache
        if (!warm.ok) throw new Error(`console ${name}: ${warm.status} ${(await warm.text()).slice(0, 300)}`);
        await warm.arrayBuffer();
        const server: number[] = [];
        const client: number[] = [];
        let bytes = new Uint8Array();
        for (let round = 0; round < ROUNDS; round++) {
          const started = performance.now();
          const res = await fetch(`${ferry.base}${path}`);
          bytes = new Uint8Array(await res.arrayBuffer());
          client.push(performance.now() - started);
          server.push(Number(res.headers.get('server-timing')?.match(/dur=([\d.]+)/)?.[1] ?? NaN));
        }
        figures.push({
          runtime,
          page: name,
          serverMs: median(server),
          clientMs: median(client),
          gzipKiB: gzipSync(bytes).byteLength / 1024,
        });
      }
    } finally {
      await ferry.stop();
    }
  }
  return figures;
}
