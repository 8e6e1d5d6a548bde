// Images at the size of the hosted limits, pushed over the registry API in the global setup: one image
// of 300 layers, one repository of 500 tags (each its own manifest over the same two blobs), and one
// image with a 64 MiB layer.

import { OCI_CONFIG, OCI_LAYER_TAR, OCI_MANIFEST, sha256, tar } from './oci-layout.js';
import { noise } from './test-images.js';

export interface BulkFixture {
  /** "ferry-test/layers300:v1" on the anonymous source registry: 300 layers. */
  layers: { repository: string; tag: string; digest: string; count: number };
  /** A repository of 500 tags, t000..t499, each a different manifest. */
  tags: { repository: string; digests: Record<string, string> };
  /**
   * A repository of its first 150 tags only (t000..t149, the same manifests): a `tags: "all"` copy of more
   * than one batch (TAGS_PER_BATCH) and past syncMaxTags.
   */
  tags150: { repository: string; digests: Record<string, string> };
  /** One layer of 64 MiB (incompressible): a blob that spans Workflow steps. */
  big: { repository: string; tag: string; digest: string; layer: { digest: string; size: number } };
}

const LAYERS = 300;
const TAGS = 500;
const AT_ONCE = 16;

async function pushBlob(
  host: string,
  repository: string,
  bytes: Uint8Array,
): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  // Open an upload, then one PUT with the digest and the whole body (distribution 2.8 takes no body on POST).
  const opened = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (opened.status !== 202)
    throw new Error(`blob upload to ${repository} answered ${opened.status}: ${await opened.text()}`);
  const location = new URL(opened.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', digest);
  const res = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  if (res.status !== 201) throw new Error(`blob push to ${repository} answered ${res.status}: ${await res.text()}`);
  return { digest, size: bytes.byteLength };
}

async function pushManifest(host: string, repository: string, reference: string, manifest: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': OCI_MANIFEST },
    body: bytes,
  });
  if (res.status !== 201)
    throw new Error(`manifest push to ${repository}:${reference} answered ${res.status}: ${await res.text()}`);
  return sha256(bytes);
}

async function inBatches<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += AT_ONCE)
    out.push(...(await Promise.all(items.slice(i, i + AT_ONCE).map(work))));
  return out;
}

function imageManifest(
  config: { digest: string; size: number },
  layers: { digest: string; size: number }[],
  annotations?: Record<string, string>,
) {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, ...config },
    layers: layers.map((l) => ({ mediaType: OCI_LAYER_TAR, ...l })),
    ...(annotations ? { annotations } : {}),
  };
}

export async function pushBulkImages(host: string): Promise<BulkFixture> {
  const layersRepository = 'ferry-test/layers300';
  const layerBlobs = await inBatches(
    Array.from({ length: LAYERS }, (_, i) => i),
    (i) => pushBlob(host, layersRepository, tar([[`layer/${i}`, `layer ${i} of ${LAYERS}\n`]])),
  );
  const config = await pushBlob(
    host,
    layersRepository,
    new TextEncoder().encode(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: layerBlobs.map((l) => l.digest) },
      }),
    ),
  );
  const layersDigest = await pushManifest(host, layersRepository, 'v1', imageManifest(config, layerBlobs));

  const tagsRepository = 'ferry-test/tags500';
  const layer = await pushBlob(host, tagsRepository, tar([['tagged', 'one layer for every tag\n']]));
  const tagConfig = await pushBlob(
    host,
    tagsRepository,
    new TextEncoder().encode(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
    ),
  );
  const tags = Array.from({ length: TAGS }, (_, i) => `t${String(i).padStart(3, '0')}`);
  const digests = await inBatches(tags, (tag) =>
    pushManifest(
      host,
      tagsRepository,
      tag,
      imageManifest(tagConfig, [layer], { 'org.opencontainers.image.version': tag }),
    ),
  );
  const tags150Repository = 'ferry-test/tags150';
  await pushBlob(host, tags150Repository, tar([['tagged', 'one layer for every tag\n']]));
  await pushBlob(
    host,
    tags150Repository,
    new TextEncoder().encode(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
    ),
  );
  const first150 = tags.slice(0, 150);
  await inBatches(first150, (tag) =>
    pushManifest(
      host,
      tags150Repository,
      tag,
      imageManifest(tagConfig, [layer], { 'org.opencontainers.image.version': tag }),
    ),
  );
  const bigRepository = 'ferry-test/big64';
  const bigLayer = await pushBlob(host, bigRepository, noise(64 * 1024 * 1024, 64));
  const bigConfig = await pushBlob(
    host,
    bigRepository,
    new TextEncoder().encode(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [bigLayer.digest] } }),
    ),
  );
  const bigDigest = await pushManifest(host, bigRepository, 'v1', imageManifest(bigConfig, [bigLayer]));
  return {
    big: { repository: bigRepository, tag: 'v1', digest: bigDigest, layer: bigLayer },
    layers: { repository: layersRepository, tag: 'v1', digest: layersDigest, count: LAYERS },
    tags: { repository: tagsRepository, digests: Object.fromEntries(tags.map((t, i) => [t, digests[i]!])) },
    tags150: {
      repository: tags150Repository,
      digests: Object.fromEntries(first150.map((t, i) => [t, digests[i]!])),
    },
  };
}
