// Image shapes skopeo 1.9 cannot push from a layout as they are: a Docker image with a foreign layer, an image
// with a zstd layer, a standalone OCI artifact, and an image with a referrer (an SBOM whose `subject` is the
// image). Built in memory and pushed over the registry API: blobs, then manifests by digest, then the tag;
// a referrer is listed in the `sha256-<hex>` fallback index where the registry has no referrers API.

import { gzipSync } from 'node:zlib';
import { sha256, tar, OCI_INDEX, OCI_MANIFEST, OCI_CONFIG, type Descriptor } from './oci-layout.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const SBOM_ARTIFACT_TYPE = 'application/spdx+json';

/** What the tests are told about one shape (the fixture's `shapes`). */
export interface ShapeFixture {
  name: string;
  repository: string;
  tag: string;
  digest: string;
  /** The tagged manifest's bytes, base64 (as the judge's `raw` answers). */
  raw: string;
  /** crane validates images; artifacts and foreign layers fail it whatever a copy does: compare digests. */
  craneValidates: boolean;
  /** The manifest that names the tagged one as its subject. */
  referrer?: { digest: string; artifactType: string };
}

interface Manifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

interface Shape {
  fixture: ShapeFixture;
  blobs: Uint8Array[];
  /** Pushed by digest, after the blobs and before the tag. */
  children: Manifest[];
  top: Manifest;
  referrers: Manifest[];
}

const json = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)));

function manifest(value: Record<string, unknown>): Manifest {
  const bytes = json(value);
  return { bytes, mediaType: value.mediaType as string, digest: sha256(bytes) };
}

function describe(bytes: Uint8Array, mediaType: string, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType, digest: sha256(bytes), size: bytes.byteLength, ...extra };
}

/**
 * A zstd frame of stored (raw) blocks: valid zstd that every decoder reads, written without a compressor
 * (Node 20 has none). Frame header: single segment, 4-byte content size; blocks of at most 128 KiB.
 */
export function zstdStored(data: Uint8Array): Uint8Array {
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0xa0];
  for (let i = 0; i < 4; i++) parts.push((data.byteLength >>> (8 * i)) & 255);
  const out: Uint8Array[] = [new Uint8Array(parts)];
  const BLOCK = 128 * 1024;
  for (let offset = 0; offset < data.byteLength || offset === 0; offset += BLOCK) {
    const block = data.subarray(offset, offset + BLOCK);
    const last = offset + BLOCK >= data.byteLength ? 1 : 0;
    const header = (block.byteLength << 3) | last; // block type 0: raw
    out.push(new Uint8Array([header & 255, (header >>> 8) & 255, (header >>> 16) & 255]), block);
    if (last) break;
  }
  return new Uint8Array(Buffer.concat(out));
}

function imageConfig(os: string, diffIds: string[]): Uint8Array {
  return json({
    created: '2026-01-02T03:04:05Z',
    architecture: 'amd64',
    os,
    config: { Env: ['PATH=/usr/bin'], Cmd: ['/app'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
  });
}

function shape(name: string, parts: Omit<Shape, 'fixture'>, craneValidates: boolean): Shape {
  return {
    ...parts,
    fixture: {
      name,
      repository: `ferry-test/${name}`,
      tag: 'v1',
      digest: parts.top.digest,
      raw: Buffer.from(parts.top.bytes).toString('base64'),
      craneValidates,
      ...(parts.referrers[0]
        ? { referrer: { digest: parts.referrers[0].digest, artifactType: SBOM_ARTIFACT_TYPE } }
        : {}),
    },
  };
}

function foreignLayerImage(): Shape {
  // A Windows-style base layer that lives outside registries: its bytes are never pushed anywhere.
  const baseTar = tar([['Files/base.txt', 'foreign base\n']]);
  const base = gzipSync(baseTar);
  const appTar = tar([['Files/app.txt', 'app on a foreign base\n']]);
  const app = gzipSync(appTar);
  const config = imageConfig('windows', [sha256(baseTar), sha256(appTar)]);
  const top = manifest({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: describe(config, DOCKER_CONFIG),
    layers: [
      describe(base, DOCKER_FOREIGN_LAYER, { urls: ['https://ferry-test.invalid/windows/base.tar.gz'] }),
      describe(app, DOCKER_LAYER),
    ],
  });
  return shape('foreign', { blobs: [config, app], children: [], top, referrers: [] }, false);
}

function zstdImage(): Shape {
  const layerTar = tar([['app', 'zstd compressed layer\n']]);
  const layer = zstdStored(layerTar);
  const config = imageConfig('linux', [sha256(layerTar)]);
  const top = manifest({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: describe(config, OCI_CONFIG),
    layers: [describe(layer, OCI_LAYER_ZSTD)],
  });
  // crane 0.22's validate reads every layer through gzip (pkg/v1/validate/layer.go): digests are compared.
  return shape('zstd', { blobs: [config, layer], children: [], top, referrers: [] }, false);
}

const EMPTY = new Uint8Array(Buffer.from('{}'));

function standaloneArtifact(): Shape {
  const report = json({ scanner: 'ferry-test', findings: [] });
  const top = manifest({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/vnd.ferry.test.report+json',
    config: describe(EMPTY, OCI_EMPTY, { data: 'e30=' }),
    layers: [
      describe(report, 'application/vnd.ferry.test.report+json', {
        annotations: { 'org.opencontainers.image.title': 'report.json' },
      }),
    ],
    annotations: { 'org.opencontainers.image.created': '2026-01-02T03:04:05Z' },
  });
  return shape('artifact', { blobs: [EMPTY, report], children: [], top, referrers: [] }, false);
}

function imageWithReferrer(): Shape {
  const layerTar = tar([['app', 'an image with an SBOM\n']]);
  const layer = gzipSync(layerTar);
  const config = imageConfig('linux', [sha256(layerTar)]);
  const top = manifest({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: describe(config, OCI_CONFIG),
    layers: [describe(layer, 'application/vnd.oci.image.layer.v1.tar+gzip')],
  });
  const sbom = json({ spdxVersion: 'SPDX-2.3', name: 'ferry-test', packages: [] });
  const referrer = manifest({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SBOM_ARTIFACT_TYPE,
    config: describe(EMPTY, OCI_EMPTY, { data: 'e30=' }),
    layers: [describe(sbom, SBOM_ARTIFACT_TYPE)],
    subject: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.byteLength },
    annotations: { 'org.opencontainers.image.created': '2026-01-02T03:04:05Z' },
  });
  return shape('referred', { blobs: [config, layer, EMPTY, sbom], children: [], top, referrers: [referrer] }, true);
}

export function buildShapes(): Shape[] {
  return [foreignLayerImage(), zstdImage(), standaloneArtifact(), imageWithReferrer()];
}

async function expectStatus(response: Response, status: number, what: string): Promise<Response> {
  if (response.status !== status) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  return response;
}

async function pushBlob(host: string, repository: string, bytes: Uint8Array): Promise<void> {
  const base = `http://${host}/v2/${repository}/blobs/`;
  const digest = sha256(bytes);
  if ((await fetch(`${base}${digest}`, { method: 'HEAD' })).status === 200) return;
  const started = await expectStatus(await fetch(`${base}uploads/`, { method: 'POST' }), 202, `upload of ${digest}`);
  const location = new URL(started.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', digest);
  await expectStatus(
    await fetch(location, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes as Uint8Array<ArrayBuffer>,
    }),
    201,
    `PUT of blob ${digest}`,
  );
}

async function pushManifest(host: string, repository: string, reference: string, m: Manifest): Promise<Response> {
  return expectStatus(
    await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': m.mediaType },
      body: m.bytes as Uint8Array<ArrayBuffer>,
    }),
    201,
    `PUT of manifest ${repository}:${reference}`,
  );
}

/** Pushes one shape; its referrers go into the fallback index where the registry does not list them itself. */
export async function pushShape(host: string, shape: Shape): Promise<void> {
  const { repository, tag } = shape.fixture;
  for (const blob of shape.blobs) await pushBlob(host, repository, blob);
  for (const child of shape.children) await pushManifest(host, repository, child.digest, child);
  await pushManifest(host, repository, tag, shape.top);
  const listed: Descriptor[] = [];
  for (const referrer of shape.referrers) {
    await pushManifest(host, repository, referrer.digest, referrer);
    listed.push({
      ...describe(referrer.bytes, referrer.mediaType),
      artifactType: SBOM_ARTIFACT_TYPE,
    });
  }
  if (!listed.length) return;
  const api = await fetch(`http://${host}/v2/${repository}/referrers/${shape.top.digest}`);
  await api.body?.cancel();
  if (api.status !== 404) return;
  const fallback = manifest({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: listed });
  await pushManifest(host, repository, `sha256-${shape.top.digest.slice(7)}`, fallback);
}
