// `npm run demo`: a local registry for the README's quick start. It serves 127.0.0.1:5000 (distribution's
// `docker-registry`, as the tests use it) from a fresh directory, and pushes a small two-platform image,
// team/app:v1 (linux/amd64 and linux/arm64), so every quick start line has something to show. It runs until
// Ctrl-C; Ferry runs beside it (`npm start`, whose local default allows 127.0.0.1:5000).

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const HOST = '127.0.0.1:5000';
const REPOSITORY = 'team/app';
const TAG = 'v1';
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];
const dir = join(process.cwd(), '.tmp', 'demo-registry');

try {
  execFileSync('sh', ['-c', 'command -v docker-registry'], { stdio: 'ignore' });
} catch {
  console.error('npm run demo needs docker-registry on the PATH (Debian: apt-get install -y docker-registry)');
  process.exit(1);
}
const taken = await fetch(`http://${HOST}/v2/`).then(
  () => true,
  () => false,
);
if (taken) {
  console.error(`${HOST} answers already: stop what listens there, then run npm run demo again`);
  process.exit(1);
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'config.yml'),
  [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    `  filesystem: { rootdirectory: ${join(dir, 'storage')} }`,
    '  delete: { enabled: true }',
    'http:',
    `  addr: ${HOST}`,
    '',
  ].join('\n'),
);
const registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stop = () => {
  registry.kill();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
registry.on('exit', (code) => {
  console.error(`docker-registry ended (${code})`);
  process.exit(1);
});
for (let i = 0; ; i++) {
  if ((await fetch(`http://${HOST}/v2/`).catch(() => undefined))?.ok) break;
  if (i > 100) throw new Error(`docker-registry did not answer on ${HOST}`);
  await new Promise((r) => setTimeout(r, 100));
}

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A tar of one file (ustar), as an image layer holds. */
function tarOf(name, content) {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  const field = (offset, length, value) => header.write(value, offset, length, 'ascii');
  field(0, 100, name);
  field(100, 8, '0000644\0');
  field(108, 8, '0000000\0');
  field(116, 8, '0000000\0');
  field(124, 12, `${body.length.toString(8).padStart(11, '0')}\0`);
  field(136, 12, '00000000000\0');
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  const sum = header.reduce((a, b) => a + b, 0);
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

async function pushBlob(bytes) {
  const digest = sha256(bytes);
  const started = await fetch(`http://${HOST}/v2/${REPOSITORY}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(started.headers.get('location'), `http://${HOST}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: bytes });
  if (put.status !== 201) throw new Error(`blob ${digest}: ${put.status}`);
  return digest;
}

/** Pushes a manifest under `tag`, or by its digest alone. */
async function pushManifest(tag, mediaType, document) {
  const bytes = Buffer.from(JSON.stringify(document));
  const reference = tag ?? sha256(bytes);
  const put = await fetch(`http://${HOST}/v2/${REPOSITORY}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  if (put.status !== 201) throw new Error(`manifest ${reference}: ${put.status} ${await put.text()}`);
  return { mediaType, digest: sha256(bytes), size: bytes.length };
}

const IMAGE = 'application/vnd.oci.image.manifest.v1+json';
const children = [];
for (const platform of PLATFORMS) {
  const name = `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
  const tar = tarOf('hello.txt', `Hello from Ferry's demo image (${name})\n`);
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(
    JSON.stringify({
      ...platform,
      created: '2026-12-01T00:00:00Z',
      config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['cat', '/hello.txt'], Labels: { 'org.example.demo': 'ferry' } },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  );
  const manifest = await pushManifest(undefined, IMAGE, {
    schemaVersion: 2,
    mediaType: IMAGE,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: await pushBlob(config),
      size: config.length,
    },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: await pushBlob(layer), size: layer.length },
    ],
  });
  children.push({ ...manifest, platform });
}
const INDEX = 'application/vnd.oci.image.index.v1+json';
const index = await pushManifest(TAG, INDEX, { schemaVersion: 2, mediaType: INDEX, manifests: children });
console.log(`demo registry on ${HOST}: ${REPOSITORY}:${TAG}@${index.digest} (linux/amd64, linux/arm64/v8)`);
console.log('with npm start in another terminal, the README quick start lines work as written; Ctrl-C stops it');
