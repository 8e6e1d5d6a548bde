// Writes OCI image layouts on disk for the tests: deterministic tar+gzip layers, configs, manifests and indexes.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarHeader } from '../../cli/air-gap/tar.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
  data?: string;
}

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

export const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A ustar header for one regular file: the command line's own (fixed mtime and owner: reproducible layers). */
export { tarHeader };

/** A minimal ustar archive of the given files. */
export function tar(files: [name: string, content: string | Uint8Array][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of files) {
    const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    blocks.push(tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export class OciLayout {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  blob(bytes: Uint8Array, mediaType: string, extra: Partial<Descriptor> = {}): Descriptor {
    const digest = sha256(bytes);
    writeFileSync(join(this.dir, 'blobs', 'sha256', digest.slice(7)), bytes);
    return { mediaType, digest, size: bytes.byteLength, ...extra };
  }

  json(value: unknown, mediaType: string, extra: Partial<Descriptor> = {}): Descriptor {
    return this.blob(Buffer.from(JSON.stringify(value)), mediaType, extra);
  }

  /** A gzip layer holding the given files; returns its descriptor and diff id. */
  layer(files: [string, string | Uint8Array][]): { descriptor: Descriptor; diffId: string } {
    const raw = tar(files);
    return { descriptor: this.blob(gzipSync(raw, { level: 6 }), OCI_LAYER_GZIP), diffId: sha256(raw) };
  }

  image(options: {
    platform: { os: string; architecture: string; variant?: string };
    layers: { descriptor: Descriptor; diffId: string }[];
    config?: Record<string, unknown>;
    author?: string;
    created?: string;
    annotations?: Record<string, string>;
  }): Descriptor {
    const config = this.json(
      {
        created: options.created ?? '2026-01-02T03:04:05Z',
        ...(options.author ? { author: options.author } : {}),
        ...options.platform,
        config: options.config ?? {},
        rootfs: { type: 'layers', diff_ids: options.layers.map((l) => l.diffId) },
        // One step per layer, then one that added none (as CMD or ENV do).
        history: [
          ...options.layers.map((_, i) => ({ created: '2026-01-02T03:04:05Z', created_by: `step ${i}` })),
          { created: '2026-01-02T03:04:06Z', created_by: '/bin/sh -c #(nop)  CMD ["--serve"]', empty_layer: true },
        ],
      },
      OCI_CONFIG,
    );
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: options.layers.map((l) => l.descriptor),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    };
    return this.json(manifest, OCI_MANIFEST, { platform: options.platform });
  }

  index(manifests: Descriptor[], annotations?: Record<string, string>): Descriptor {
    return this.json(
      { schemaVersion: 2, mediaType: OCI_INDEX, manifests, ...(annotations ? { annotations } : {}) },
      OCI_INDEX,
    );
  }

  readonly #named: Descriptor[] = [];

  /** Names a manifest in index.json under `tag`, as skopeo's oci:DIR:TAG expects. */
  tag(top: Descriptor, tag: string): void {
    const { platform: _ignored, annotations: _a, ...descriptor } = top;
    this.#named.push({ ...descriptor, annotations: { 'org.opencontainers.image.ref.name': tag } });
    writeFileSync(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: this.#named }));
  }

  read(descriptor: Descriptor): Buffer {
    return readFileSync(join(this.dir, 'blobs', 'sha256', descriptor.digest.slice(7)));
  }
}
