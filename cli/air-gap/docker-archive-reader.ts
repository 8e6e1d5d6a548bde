// Reading `docker save`'s archive (and skopeo's docker-archive:) as one image: manifest.json names the
// config and the layer files. The archive has no manifest of its own, so one is made (OCI, the layers as
// stored: usually uncompressed), which is why an image that went through docker-archive has new digests.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ArchiveFiles } from './files.js';
import { AirGapError } from './errors.js';
import { isTag, sha256Of, type ImageStore, type StoredBlob, type StoredManifest } from './store.js';

interface ArchivedImage {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const LAYER = 'application/vnd.oci.image.layer.v1.tar';
const MAX_CONFIG = 32 * 1024 * 1024;

/** "docker.io/library/busybox:latest" and "busybox" name one image: compare them as Docker shortens them. */
export function familiar(name: string): string {
  const shortened = name.replace(/^(docker\.io|index\.docker\.io)\//, '').replace(/^library\//, '');
  return /:[\w][\w.-]*$/.test(shortened.split('/').pop()!) ? shortened : `${shortened}:latest`;
}

async function head(files: ArchiveFiles, path: string): Promise<Buffer> {
  const entry = files.entries.get(path)!;
  const bytes = Buffer.alloc(Math.min(6, entry.size));
  await files.handle.read(bytes, 0, bytes.length, entry.offset);
  return bytes;
}

function compression(magic: Buffer): '' | '+gzip' | '+zstd' | undefined {
  if (magic[0] === 0x1f && magic[1] === 0x8b) return '+gzip';
  if (magic.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return '+zstd';
  if (magic.subarray(0, 3).toString('latin1') === 'BZh' || magic.subarray(0, 6).toString('latin1') === '\xfd7zXZ\0')
    return undefined; // bzip2 and xz: no OCI media type carries them
  return '';
}

export class DockerArchiveReader implements ImageStore {
  private constructor(
    readonly files: ArchiveFiles,
    /** The loopback tag the image goes by: its own tag in the archive, else latest. */
    readonly tag: string,
    readonly image: StoredManifest,
    readonly config: Buffer,
    readonly layers: Map<string, string>,
  ) {}

  /** `name`: skopeo's docker-archive:FILE:NAME:TAG or :@INDEX; none where the archive holds one image. */
  static async open(files: ArchiveFiles, what: string, name: string | undefined): Promise<DockerArchiveReader> {
    const listed = await files.bytes('manifest.json', 4 * 1024 * 1024);
    if (!listed) throw new AirGapError(`${what} is not a docker archive: it has no manifest.json`);
    let images: ArchivedImage[];
    try {
      images = JSON.parse(listed.toString('utf8')) as ArchivedImage[];
    } catch {
      throw new AirGapError(`${what}: manifest.json is not valid JSON`);
    }
    if (!Array.isArray(images) || !images.length) throw new AirGapError(`${what}: manifest.json lists no image`);
    const names = images.flatMap((i) => i.RepoTags ?? []);
    const at = name?.startsWith('@') ? Number(name.slice(1)) : undefined;
    const chosen =
      at !== undefined
        ? images[at]
        : name !== undefined
          ? images.find((i) => (i.RepoTags ?? []).some((t) => familiar(t) === familiar(name)))
          : images.length === 1
            ? images[0]
            : undefined;
    if (!chosen)
      throw new AirGapError(
        name !== undefined
          ? `${what} has no image ${name}${names.length ? `: it has ${names.join(', ')}` : ''}`
          : `${what} holds ${images.length} images: name one (${what}:NAME:TAG or ${what}:@INDEX)`,
        name !== undefined ? 'NOT_FOUND' : 'LAYOUT_INVALID',
      );
    const config = await files.bytes(chosen.Config, MAX_CONFIG);
    if (!config) throw new AirGapError(`${what}: ${chosen.Config} is missing`);
    let diffIds: string[];
    try {
      diffIds = (JSON.parse(config.toString('utf8')) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    } catch {
      throw new AirGapError(`${what}: ${chosen.Config} is not an image configuration`);
    }
    const layers = new Map<string, string>();
    const descriptors = [];
    for (const [i, path] of chosen.Layers.entries()) {
      const size = await files.size(path);
      if (size === undefined) throw new AirGapError(`${what}: the layer ${path} is missing`);
      const kind = compression(await head(files, path));
      if (kind === undefined) throw new AirGapError(`${what}: ${path} is compressed in a way OCI has no type for`);
      const named = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path);
      // An uncompressed layer's digest is its diff id; a compressed one is read once to learn it.
      const digest = named ? `sha256:${named[1]}` : kind === '' && diffIds[i] ? diffIds[i]! : await hashOf(files, path);
      layers.set(digest, path);
      descriptors.push({ mediaType: `${LAYER}${kind}`, digest, size });
    }
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: sha256Of(config),
          size: config.length,
        },
        layers: descriptors,
      }),
    );
    const ownTag = familiar(chosen.RepoTags?.[0] ?? 'latest')
      .split(':')
      .pop()!;
    return new DockerArchiveReader(
      files,
      isTag(ownTag) ? ownTag : 'latest',
      { bytes: manifest, digest: sha256Of(manifest), mediaType: 'application/vnd.oci.image.manifest.v1+json' },
      config,
      layers,
    );
  }

  async tags(): Promise<string[]> {
    return [this.tag];
  }

  async manifest(reference: string): Promise<StoredManifest | undefined> {
    return reference === this.tag || reference === this.image.digest ? this.image : undefined;
  }

  async blob(digest: string): Promise<StoredBlob | undefined> {
    if (digest === sha256Of(this.config)) {
      const config = this.config;
      return { size: config.length, open: (start = 0) => Readable.from([config.subarray(start)]) };
    }
    const path = this.layers.get(digest);
    if (!path) return undefined;
    return { size: this.files.entries.get(path)!.size, open: (start) => this.files.open(path, start) };
  }
}

async function hashOf(files: ArchiveFiles, path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of files.open(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}
