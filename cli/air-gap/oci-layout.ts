// An OCI image layout (image-spec's image-layout.md) as skopeo's oci: and oci-archive: read it: index.json
// names images by their `org.opencontainers.image.ref.name` annotation; every manifest and blob lies under
// blobs/<algorithm>/<hex>.

import { AirGapError } from './errors.js';
import type { Files } from './files.js';
import { blobPath, isTag, manifestMediaType, sha256Of, type ImageStore, type StoredBlob } from './store.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
const MAX_DOCUMENT = 4 * 1024 * 1024;

export interface LayoutDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: LayoutDescriptor[];
  [field: string]: unknown;
}

export class OciLayoutReader implements ImageStore {
  constructor(
    readonly files: Files,
    /** How the user named it, for messages: "oci:/srv/images". */
    readonly what: string,
  ) {}

  async index(): Promise<LayoutIndex> {
    const bytes = await this.files.bytes('index.json', MAX_DOCUMENT);
    if (!bytes) throw new AirGapError(`${this.what} is not an OCI layout: it has no index.json`);
    let index: LayoutIndex;
    try {
      index = JSON.parse(bytes.toString('utf8')) as LayoutIndex;
    } catch {
      throw new AirGapError(`${this.what}: index.json is not valid JSON`);
    }
    if (!index || !Array.isArray(index.manifests))
      throw new AirGapError(`${this.what}: index.json has no "manifests" list`);
    return index;
  }

  /** The image the user named, as the loopback reference's tag or digest (skopeo's rules). */
  async choose(name: string | undefined): Promise<string> {
    const { manifests } = await this.index();
    const names = manifests.map((m) => m.annotations?.[REF_NAME]).filter((n): n is string => !!n);
    if (name !== undefined) {
      if (!manifests.some((m) => m.annotations?.[REF_NAME] === name))
        throw new AirGapError(
          `${this.what} has no image named "${name}"` +
            (names.length ? `: it has ${names.join(', ')}` : ': its images have no names'),
          'NOT_FOUND',
        );
      if (!isTag(name)) throw new AirGapError(`"${name}": Ferry reads names a registry tag could hold`);
      return `:${name}`;
    }
    if (manifests.length !== 1)
      throw new AirGapError(
        `${this.what} holds ${manifests.length} images: name one (${this.what}:NAME` +
          (names.length ? `; it has ${names.join(', ')})` : ')'),
      );
    return `@${manifests[0]!.digest}`;
  }

  async tags(): Promise<string[]> {
    const { manifests } = await this.index();
    return [...new Set(manifests.map((m) => m.annotations?.[REF_NAME]).filter((n): n is string => !!n && isTag(n)))];
  }

  async manifest(reference: string) {
    const { manifests } = await this.index();
    const described = reference.includes(':')
      ? manifests.find((m) => m.digest === reference)
      : manifests.findLast((m) => m.annotations?.[REF_NAME] === reference);
    const digest = described?.digest ?? (reference.includes(':') ? reference : undefined);
    if (!digest) return undefined;
    const bytes = await this.files.bytes(blobPath(digest), MAX_DOCUMENT);
    if (!bytes) return undefined;
    if (sha256Of(bytes) !== digest && digest.startsWith('sha256:'))
      throw new AirGapError(`${this.what}: the manifest ${digest} does not match its digest`);
    return { bytes, digest, mediaType: manifestMediaType(bytes, described?.mediaType) };
  }

  async blob(digest: string): Promise<StoredBlob | undefined> {
    const path = blobPath(digest);
    const size = await this.files.size(path);
    if (size === undefined) return undefined;
    return { size, open: (start) => this.files.open(path, start) };
  }
}
