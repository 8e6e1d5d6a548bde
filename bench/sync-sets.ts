// Sync sets against the tools people run today, by the method of the ocync comparison at small scale: a
// corpus of repositories of small multi-platform images whose layers are shared, synced cold (an empty
// target), warm (nothing changed) and partly (a tenth of the tags pushed again with a new layer) by
// `ferry sync` (the command line, local mode), `skopeo sync --all` (regex selection: Debian's skopeo 1.9.3
// ignores images-by-semver) and regsync. Each side's registry sits behind a proxy that counts requests.

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireGoBinary } from '../test/support/binaries.js';
import { pushBlob, pushManifest } from '../test/support/cosign-signing.js';
import { startRegistry } from '../test/support/registries.js';
import { skopeo } from '../test/support/skopeo.js';

const run = promisify(execFile);

export interface SyncFigures {
  tool: string;
  phase: 'cold' | 'warm' | 'partial';
  seconds: number;
  sourceRequests: number;
  targetRequests: number;
  blobRequests: number;
  tooManyRequests: number;
  /** Requests by method and kind ("HEAD manifest"), both sides: where two tools' counts differ. */
  byKind: Record<string, number>;
}

interface Counter {
  host: string;
  requests: number;
  blobs: number;
  tooMany: number;
  byKind: Record<string, number>;
  server: Server;
}

/** What a registry request is, by its path: ping, tag list, catalog, manifest, referrers, upload or blob. */
function requestKind(method: string, path: string): string {
  const kind = /\/v2\/?$/.test(path)
    ? 'ping'
    : /\/tags\/list/.test(path)
      ? 'tags'
      : /\/_catalog/.test(path)
        ? 'catalog'
        : /\/manifests\//.test(path)
          ? 'manifest'
          : /\/referrers\//.test(path)
            ? 'referrers'
            : /\/blobs\/uploads/.test(path)
              ? 'upload'
              : /\/blobs\//.test(path)
                ? 'blob'
                : 'other';
  return `${method} ${kind}`;
}

/** A proxy in front of a registry that counts what passes (Host kept, so upload Locations come back here). */
async function countingProxy(upstream: string): Promise<Counter> {
  const counter = { host: '', requests: 0, blobs: 0, tooMany: 0, byKind: {} } as unknown as Counter;
  const [upstreamHost, upstreamPort] = upstream.split(':') as [string, string];
  counter.server = createServer((req, res) => {
    counter.requests++;
    if (/\/blobs\//.test(req.url ?? '')) counter.blobs++;
    const kind = requestKind(req.method ?? 'GET', (req.url ?? '').split('?')[0]!);
    counter.byKind[kind] = (counter.byKind[kind] ?? 0) + 1;
    const forwarded = httpRequest(
      { host: upstreamHost, port: Number(upstreamPort), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (answer.statusCode === 429) counter.tooMany++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => counter.server.listen(0, '127.0.0.1', resolve));
  counter.host = `127.0.0.1:${(counter.server.address() as AddressInfo).port}`;
  return counter;
}

const text = (s: string) => new TextEncoder().encode(s);

/** A two-platform index whose base layer every image shares, and a layer of its own (`generation` changes it). */
async function pushIndex(host: string, repository: string, tag: string, base: Uint8Array, generation: number) {
  const baseDigest = await pushBlob(host, repository, base);
  const manifests = [];
  for (const architecture of ['amd64', 'arm64']) {
    const config = text(JSON.stringify({ architecture, os: 'linux', tag, generation }));
    const own = text(`${repository}:${tag} ${architecture} generation ${generation}`);
    const pushed = await pushManifest(host, repository, undefined, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: await pushBlob(host, repository, config),
        size: config.byteLength,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: baseDigest, size: base.byteLength },
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: await pushBlob(host, repository, own),
          size: own.byteLength,
        },
      ],
    });
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...pushed,
      platform: { os: 'linux', architecture },
    });
  }
  const index = text(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
  );
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
    body: index,
  });
  if (res.status !== 201) throw new Error(`push of ${repository}:${tag}: ${res.status}`);
}

const sides = (counts: Record<string, number>, side: string) =>
  Object.entries(counts).map(([kind, n]) => [`${side} ${kind}`, n] as const);

export async function benchSyncSets(
  dir: string,
  options: { repositories: number; tags: number; ferryCli: string },
): Promise<SyncFigures[]> {
  const source = await startRegistry(dir, 'sync-source', join(dir, 'sync-source-storage'), { kind: 'anonymous' });
  const target = await startRegistry(dir, 'sync-target', join(dir, 'sync-target-storage'), { kind: 'anonymous' });
  const from = await countingProxy(source.host);
  const to = await countingProxy(target.host);
  const repositories = Array.from({ length: options.repositories }, (_, i) => `corpus/app-${i}`);
  const tags = Array.from({ length: options.tags }, (_, i) => `1.${Math.floor(i / 10)}.${i % 10}`);
  const base = text('a base layer every image shares '.repeat(2048));
  for (const repository of repositories) for (const tag of tags) await pushIndex(source.host, repository, tag, base, 0);

  const regex = '^1\\.';
  const work = join(dir, 'sync-tools');
  mkdirSync(work, { recursive: true });
  const ferrySet = join(work, 'ferry.json');
  writeFileSync(
    ferrySet,
    JSON.stringify({
      name: 'bench',
      sources: [{ registry: from.host, repositories }],
      target: { registry: to.host, path: 'ferry/{repository}' },
      tags: { regex },
      referrers: false, // as skopeo and regsync: neither copies them
    }),
  );
  const skopeoYaml = join(work, 'skopeo.yaml');
  writeFileSync(
    skopeoYaml,
    `${from.host}:\n  tls-verify: false\n  images-by-tag-regex:\n${repositories.map((r) => `    ${r}: '${regex}'`).join('\n')}\n`,
  );
  const regsyncYaml = join(work, 'regsync.yaml');
  writeFileSync(
    regsyncYaml,
    `version: 1\ncreds:\n  - registry: ${from.host}\n    tls: disabled\n  - registry: ${to.host}\n    tls: disabled\nsync:\n${repositories
      .map(
        (r) =>
          `  - source: ${from.host}/${r}\n    target: ${to.host}/regsync/${r}\n    type: repository\n    tags:\n      allow:\n        - '${regex}.*'\n`,
      )
      .join('')}`,
  );
  const tools: { name: string; run: () => Promise<unknown> }[] = [
    { name: 'ferry sync', run: () => run(process.execPath, [options.ferryCli, 'sync', ferrySet, '--quiet']) },
    {
      name: 'skopeo sync --all',
      run: () =>
        skopeo([
          'sync',
          '--all',
          '--src',
          'yaml',
          '--dest',
          'docker',
          '--dest-tls-verify=false',
          skopeoYaml,
          `${to.host}/skopeo`,
        ]),
    },
    {
      name: 'regsync once',
      run: () => run(requireGoBinary('regsync'), ['once', '-c', regsyncYaml, '-v', 'error'], { maxBuffer: 64 << 20 }),
    },
  ];
  const figures: SyncFigures[] = [];
  const measure = async (phase: SyncFigures['phase']) => {
    for (const tool of tools) {
      for (const c of [from, to]) Object.assign(c, { requests: 0, blobs: 0, tooMany: 0, byKind: {} });
      const start = performance.now();
      await tool.run();
      figures.push({
        tool: tool.name,
        phase,
        seconds: (performance.now() - start) / 1000,
        sourceRequests: from.requests,
        targetRequests: to.requests,
        blobRequests: from.blobs + to.blobs,
        tooManyRequests: from.tooMany + to.tooMany,
        byKind: Object.fromEntries(
          [...sides(from.byKind, 'source'), ...sides(to.byKind, 'target')].sort(([a], [b]) => a.localeCompare(b)),
        ),
      });
    }
  };
  try {
    await measure('cold');
    await measure('warm');
    // A tenth of the tags pushed again: a new layer each, so a new digest.
    const changed = Math.max(1, Math.round(tags.length / 10));
    for (const repository of repositories)
      for (const tag of tags.slice(0, changed)) await pushIndex(source.host, repository, tag, base, 1);
    await measure('partial');
  } finally {
    for (const c of [from, to]) c.server.close();
    await Promise.all([source.stop(), target.stop()]);
  }
  return figures;
}
