// Manifest media types, the Accept list, and reading a manifest's kind and children from its raw bytes.

import { AppError } from '../errors.js';
import { isValidDigest } from '../reference.js';

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  DockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

// Registries pick the first type they can serve; schema1 last, as Docker and containerd do.
export const MANIFEST_ACCEPT = [
  MediaType.OciIndex,
  MediaType.OciManifest,
  MediaType.DockerList,
  MediaType.DockerManifest,
  MediaType.DockerSchema1Signed,
  MediaType.DockerSchema1,
].join(', ');

// distribution caps manifest bodies at 4 MiB; so do we, for memory and abuse.
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export type ManifestKind = 'index' | 'image' | 'schema1';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
}

export interface ParsedManifest {
  kind: ManifestKind;
  mediaType: string;
  /** Index children (kind "index"). */
  manifests: Descriptor[];
  /** Config descriptor (kind "image"). */
  config: Descriptor | undefined;
  /** Layer descriptors (kind "image"); schema1 blobSums as descriptors without size. */
  layers: Descriptor[];
  annotations: Record<string, string> | undefined;
  artifactType: string | undefined;
  subject: Descriptor | undefined;
  /** Parsed JSON, kept for summaries; the raw bytes stay the source of truth. */
  json: Record<string, unknown>;
}

const INDEX_TYPES = new Set<string>([MediaType.OciIndex, MediaType.DockerList]);
const IMAGE_TYPES = new Set<string>([MediaType.OciManifest, MediaType.DockerManifest]);
const SCHEMA1_TYPES = new Set<string>([MediaType.DockerSchema1, MediaType.DockerSchema1Signed]);

export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType);
}

export function isManifestMediaType(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType) || IMAGE_TYPES.has(mediaType) || SCHEMA1_TYPES.has(mediaType);
}

function invalid(message: string): never {
  throw new AppError('MANIFEST_INVALID', message);
}

// RFC 6838 restricted names: "type/subtype", each 1-127 of letters, digits and !#$&-^_.+ (first a letter or
// digit), then optional parameters. The syntax, not a list: Helm charts, WASM modules and other artifacts
// must keep copying.
const RESTRICTED_NAME = '[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}';
// A parameter: `; name=token` or `; name="quoted"`.
const PARAMETER = '\\s*;\\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[^"\\\\\\x00-\\x1f]*")';
const MEDIA_TYPE = new RegExp(`^${RESTRICTED_NAME}/${RESTRICTED_NAME}(?:${PARAMETER})*$`);

export function isValidMediaType(mediaType: string): boolean {
  return MEDIA_TYPE.test(mediaType);
}

function badField(field: string, why: string): never {
  throw new AppError('UPSTREAM_PROTOCOL', `the registry sent a manifest whose ${field} ${why}`, { details: { field } });
}

/** A descriptor whose values are checked before anything is built from them (request paths, plans, sizes). */
export function asDescriptor(value: unknown, where: string): Descriptor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`${where}: not a descriptor`);
  const d = value as Record<string, unknown>;
  if (typeof d.digest !== 'string' || typeof d.size !== 'number' || typeof d.mediaType !== 'string') {
    invalid(`${where}: descriptor needs mediaType, digest and size`);
  }
  if (!isValidDigest(d.digest)) badField(`${where}.digest`, `"${d.digest.slice(0, 100)}" is not a valid digest`);
  if (!Number.isSafeInteger(d.size) || d.size < 0) badField(`${where}.size`, `${d.size} is not a byte count`);
  if (!isValidMediaType(d.mediaType))
    badField(`${where}.mediaType`, `"${d.mediaType.slice(0, 100)}" is not a media type`);
  return d as unknown as Descriptor;
}

/** Media type from the response header, else from the document, else schema1 by shape. */
function detectMediaType(contentType: string | null, json: Record<string, unknown>): string {
  const header = contentType?.split(';')[0]?.trim().toLowerCase();
  if (header && isManifestMediaType(header)) return header;
  if (typeof json.mediaType === 'string' && isManifestMediaType(json.mediaType)) return json.mediaType;
  if (json.schemaVersion === 1) return json.signatures ? MediaType.DockerSchema1Signed : MediaType.DockerSchema1;
  // OCI allows mediaType to be omitted: tell an index from an image by its fields.
  if (Array.isArray(json.manifests)) return MediaType.OciIndex;
  if (json.config !== undefined) return MediaType.OciManifest;
  return invalid(`unrecognised manifest media type "${header ?? 'none'}"`);
}

export function parseManifest(bytes: Uint8Array, contentType: string | null): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    invalid('manifest is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) invalid('manifest is not a JSON object');
  const doc = json as Record<string, unknown>;
  const mediaType = detectMediaType(contentType, doc);
  const base = {
    mediaType,
    annotations: doc.annotations as Record<string, string> | undefined,
    artifactType: typeof doc.artifactType === 'string' ? doc.artifactType : undefined,
    subject: doc.subject === undefined ? undefined : asDescriptor(doc.subject, 'subject'),
    json: doc,
  };
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) invalid('index has no "manifests" array');
    const manifests = doc.manifests.map((m, i) => asDescriptor(m, `manifests[${i}]`));
    return { ...base, kind: 'index', manifests, config: undefined, layers: [] };
  }
  if (IMAGE_TYPES.has(mediaType)) {
    const config = asDescriptor(doc.config, 'config');
    const layers = Array.isArray(doc.layers) ? doc.layers.map((l, i) => asDescriptor(l, `layers[${i}]`)) : [];
    return { ...base, kind: 'image', manifests: [], config, layers };
  }
  const fsLayers = Array.isArray(doc.fsLayers) ? (doc.fsLayers as { blobSum?: unknown }[]) : [];
  const layers = fsLayers.map((l, i) => {
    if (typeof l?.blobSum !== 'string' || !isValidDigest(l.blobSum))
      badField(`fsLayers[${i}].blobSum`, 'is not a valid digest');
    return { mediaType: 'application/vnd.docker.container.image.rootfs.diff+x-gtar', digest: l.blobSum, size: -1 };
  });
  return { ...base, kind: 'schema1', manifests: [], config: undefined, layers };
}

type PlatformLike = { os?: string; architecture?: string; variant?: string };

export function formatPlatform(p: PlatformLike | undefined): string {
  if (!p?.os || !p.architecture) return 'unknown';
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

/** "linux/arm64" matches linux/arm64 with any variant; "linux/arm64/v8" needs the variant too. */
export function platformMatches(wanted: string, p: PlatformLike | undefined): boolean {
  if (!p) return false;
  const [os, arch, variant] = wanted.toLowerCase().split('/');
  if (p.os?.toLowerCase() !== os || p.architecture?.toLowerCase() !== arch) return false;
  return variant === undefined || (p.variant ?? '').toLowerCase() === variant;
}
