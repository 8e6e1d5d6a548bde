// The images every integration test works with, built as OCI layouts and pushed with skopeo.

import { join } from 'node:path';
import { OciLayout, OCI_CONFIG, OCI_LAYER_TAR, OCI_MANIFEST, type Descriptor } from './oci-layout.js';
import { skopeoCopy } from './skopeo.js';

export interface TestImage {
  /** Short name used by the tests. */
  name: string;
  repository: string;
  tag: string;
  layoutDir: string;
  /** skopeo --format for the push (v2s2 converts to Docker media types). */
  format?: 'v2s2';
  /**
   * skopeo 1.9 cannot push an index that contains an index: its parts (layout tags) are pushed with
   * skopeo under these tags, then the top manifest's bytes are PUT as they are.
   */
  parts?: string[];
  top?: { bytes: Uint8Array; mediaType: string };
}

const richConfig = (arch: string) => ({
  Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `FERRY_ARCH=${arch}`],
  Entrypoint: ['/bin/ferry-test'],
  Cmd: ['--serve', arch],
  WorkingDir: '/srv',
  User: 'ferry',
  ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
  Labels: { 'org.opencontainers.image.title': 'ferry test', 'test.arch': arch },
});

/** Deterministic incompressible bytes (xorshift32), so gzip cannot shrink the layer. */
export function noise(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

export function buildTestImages(root: string): TestImage[] {
  const images: TestImage[] = [];
  const add = (name: string, build: (layout: OciLayout) => Descriptor, format?: 'v2s2') => {
    const layoutDir = join(root, name);
    const layout = new OciLayout(layoutDir);
    layout.tag(build(layout), 'v1');
    images.push({ name, repository: `ferry-test/${name}`, tag: 'v1', layoutDir, ...(format ? { format } : {}) });
  };

  // Two platforms that share their base layer.
  add('multiarch', (l) => {
    const base = l.layer([['etc/os-release', 'ID=ferry-test\n']]);
    const amd = l.image({
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [base, l.layer([['bin/ferry-test', 'amd64 binary\n']])],
      config: richConfig('amd64'),
      author: 'Ferry tests',
    });
    const arm = l.image({
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      layers: [base, l.layer([['bin/ferry-test', 'arm64 binary\n']])],
      config: richConfig('arm64'),
    });
    return l.index([amd, arm]);
  });

  // Two releases of one app, for comparisons: a shared base layer; platforms, layers and config differ.
  const release = (l: OciLayout, version: string) => {
    const base = l.layer([['etc/os-release', 'ID=ferry-release\n']]);
    const app = l.layer([['app', `release ${version}\n`]]);
    const amdLayers = version === 'a' ? [base, app] : [base, app, l.layer([['extra', 'only in b\n']])];
    const config = {
      Env: ['PATH=/usr/bin', `MODE=${version}`, ...(version === 'b' ? ['NEW=1'] : [])],
      Entrypoint: version === 'a' ? ['/app'] : ['/app', '--serve'],
      ExposedPorts: version === 'a' ? { '8080/tcp': {} } : { '8080/tcp': {}, '9090/tcp': {} },
      Labels: version === 'a' ? { version: '1', team: 'core' } : { version: '2' },
    };
    const amd = l.image({ platform: { os: 'linux', architecture: 'amd64' }, layers: amdLayers, config });
    const other =
      version === 'a'
        ? l.image({ platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, layers: [base, app], config })
        : l.image({ platform: { os: 'linux', architecture: 's390x' }, layers: [base, app], config });
    return l.index([amd, other]);
  };
  add('release-a', (l) => release(l, 'a'));
  add('release-b', (l) => release(l, 'b'));

  // One image, pushed as Docker v2 schema 2.
  add(
    'v2s2',
    (l) =>
      l.image({
        platform: { os: 'linux', architecture: 'amd64' },
        layers: [l.layer([['hello.txt', 'docker format\n']])],
        config: richConfig('amd64'),
      }),
    'v2s2',
  );

  // An index whose child is itself an index.
  {
    const layoutDir = join(root, 'nested');
    const l = new OciLayout(layoutDir);
    const inner = l.index([
      l.image({
        platform: { os: 'linux', architecture: 'amd64' },
        layers: [l.layer([['inner', 'amd64\n']])],
        config: richConfig('amd64'),
      }),
      l.image({
        platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
        layers: [l.layer([['inner', 'armv7\n']])],
        config: richConfig('arm'),
      }),
    ]);
    const s390x = l.image({
      platform: { os: 'linux', architecture: 's390x' },
      layers: [l.layer([['outer', 's390x\n']])],
      config: richConfig('s390x'),
    });
    const top = l.index([{ ...inner, annotations: { 'ferry.test/role': 'inner-index' } }, s390x]);
    l.tag(inner, 'part-inner');
    l.tag(s390x, 'part-s390x');
    images.push({
      name: 'nested',
      repository: 'ferry-test/nested',
      tag: 'v1',
      layoutDir,
      parts: ['part-inner', 'part-s390x'],
      top: { bytes: l.read(top), mediaType: top.mediaType },
    });
  }

  // An image with a 0-byte layer blob.
  add('emptylayer', (l) => {
    const empty = {
      descriptor: l.blob(new Uint8Array(0), OCI_LAYER_TAR),
      diffId: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    };
    return l.image({
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [l.layer([['data', 'not empty\n']]), empty],
      config: richConfig('amd64'),
    });
  });

  // Two platforms with a few MiB of incompressible layer each: big enough for chunked uploads and resumes.
  add('large', (l) => {
    const amd = l.image({
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [l.layer([['noise', noise(3 * 1024 * 1024 + 517, 1)]])],
      config: richConfig('amd64'),
    });
    const arm = l.image({
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      layers: [l.layer([['noise', noise(2 * 1024 * 1024 + 33, 2)]])],
      config: richConfig('arm64'),
    });
    return l.index([amd, arm]);
  });

  // An index with annotations and a buildx-style attestation child (platform unknown/unknown).
  add('attested', (l) => {
    const image = l.image({
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [l.layer([['app', 'attested app\n']])],
      config: richConfig('amd64'),
    });
    const statement = l.json(
      {
        _type: 'https://in-toto.io/Statement/v0.1',
        predicateType: 'https://slsa.dev/provenance/v0.2',
        subject: [{ name: 'app', digest: { sha256: image.digest.slice(7) } }],
        predicate: {},
      },
      'application/vnd.in-toto+json',
      { annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } },
    );
    const attestationConfig = l.json(
      { architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statement.digest] } },
      OCI_CONFIG,
    );
    const attestation = l.json(
      { schemaVersion: 2, mediaType: OCI_MANIFEST, config: attestationConfig, layers: [statement] },
      OCI_MANIFEST,
      {
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: {
          'vnd.docker.reference.digest': image.digest,
          'vnd.docker.reference.type': 'attestation-manifest',
        },
      },
    );
    return l.index([image, attestation], {
      'org.opencontainers.image.created': '2026-01-02T03:04:05Z',
      'org.opencontainers.image.source': 'https://example.invalid/ferry',
    });
  });

  return images;
}

/** Pushes one test image with skopeo (an index of indexes: its parts, then the top manifest's bytes as they are). */
export async function pushTestImage(host: string, image: TestImage): Promise<void> {
  const target = `docker://${host}/${image.repository}`;
  if (!image.top) {
    await skopeoCopy(
      `oci:${image.layoutDir}:${image.tag}`,
      `${target}:${image.tag}`,
      image.format ? { format: image.format } : {},
    );
    return;
  }
  for (const part of image.parts ?? []) await skopeoCopy(`oci:${image.layoutDir}:${part}`, `${target}:${part}`);
  const res = await fetch(`http://${host}/v2/${image.repository}/manifests/${image.tag}`, {
    method: 'PUT',
    headers: { 'content-type': image.top.mediaType },
    body: image.top.bytes as Uint8Array<ArrayBuffer>,
  });
  if (res.status !== 201)
    throw new Error(`PUT of ${image.name}'s top manifest answered ${res.status}: ${await res.text()}`);
}
