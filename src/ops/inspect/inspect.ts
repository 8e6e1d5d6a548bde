// Summarises an image or index as `skopeo inspect` does, cached by digest.

import type { RateLimit } from '../../registry/rate-limit.js';
import type { Deps } from '../../deps.js';
import { checkIndexBounds } from '../copy/index.js';
import { runPool } from '../../pool.js';
import { AppError } from '../../errors.js';
import { cacheRead, cacheWrite } from '../../kv/cache.js';
import { getInspectRecord, putInspectRecord, recordKeys } from '../../kv/records.js';
import { registryClient } from '../registries/index.js';
import {
  formatPlatform,
  isIndexMediaType,
  platformMatches,
  type Descriptor,
  type ParsedManifest,
} from '../../registry/manifest.js';
import { formatReference, isValidTag, parseReference, type ImageReference } from '../../reference.js';
import { manifestByDigest, resolveDigest } from '../resolve.js';

// Image configs are small JSON; a long history can reach a few MiB.
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
const IMAGE_CONFIG_TYPES = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

export interface ChildSummary {
  digest: string;
  mediaType: string;
  size: number;
  platform: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ConfigSummary {
  digest: string;
  mediaType: string;
  size: number;
  os?: string;
  architecture?: string;
  variant?: string;
  created?: string;
  author?: string;
  labels: Record<string, string>;
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  workingDir?: string;
  exposedPorts: string[];
  user?: string;
  historyLength: number;
  /** The build steps, oldest first; `emptyLayer` steps added no layer (ENV, CMD, ...). */
  history: HistoryEntry[];
}

export interface HistoryEntry {
  created?: string;
  createdBy?: string;
  comment?: string;
  emptyLayer: boolean;
}

export interface InspectResult {
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  kind: ParsedManifest['kind'];
  artifactType?: string;
  annotations?: Record<string, string>;
  /** When ?platform= picked this image out of an index: the index it came from. */
  index?: { digest: string; mediaType: string };
  manifests?: ChildSummary[];
  platform?: string;
  config?: ConfigSummary;
  layers?: { digest: string; mediaType: string; size: number }[];
  /** Compressed bytes of all layers. */
  totalSize?: number;
  /** The registry's pull quota as it announced it when this call resolved the tag (Docker Hub); not cached. */
  rateLimit?: RateLimit;
}

export async function inspectImage(
  deps: Deps,
  input: string,
  options: { platform?: string } = {},
): Promise<InspectResult> {
  const ref = parseReference(input);
  if (options.platform !== undefined && !/^[a-z0-9_.-]+\/[a-z0-9_.-]+(\/[a-z0-9_.-]+)?$/i.test(options.platform)) {
    throw new AppError('INVALID_REQUEST', `platform "${options.platform}" must look like os/arch[/variant]`);
  }
  registryClient(deps, ref.registry); // refuses a registry that is not allowed before any cache is read
  const { digest, fetched } = await resolveDigest(deps, ref);
  const summary = await summarize(deps, ref, digest, options.platform, 1);
  return {
    ...summary,
    reference: formatReference({ ...ref, digest }),
    ...(fetched?.rateLimit ? { rateLimit: fetched.rateLimit } : {}),
  };
}

/** `level`: how many indexes down this manifest is (1 at the top), bounded by limits.indexDepth. */
async function summarize(
  deps: Deps,
  ref: ImageReference,
  digest: string,
  platform: string | undefined,
  level: number,
): Promise<InspectResult> {
  const key = recordKeys.inspect(ref.registry, ref.repository, digest, platform);
  const cached = await cacheRead(deps, 'inspect', () => getInspectRecord<InspectResult>(deps.kv, key));
  if (cached) return cached;
  const manifest = await manifestByDigest(deps, ref.registry, ref.repository, digest);
  const { parsed } = manifest;
  const base = {
    reference: '',
    digest,
    mediaType: parsed.mediaType,
    size: manifest.bytes.byteLength,
    kind: parsed.kind,
    ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
    ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
  };
  let result: InspectResult;
  if (parsed.kind === 'index') checkIndexBounds(deps.config.limits, parsed.manifests.length, level);
  if (parsed.kind === 'index' && platform !== undefined) {
    const inner = await pickPlatform(deps, ref, parsed, platform, level);
    if (!inner)
      throw new AppError('PLATFORM_NOT_FOUND', `${formatReference({ ...ref, digest })} has no ${platform} image`);
    result = { ...inner, index: inner.index ?? { digest, mediaType: parsed.mediaType } };
  } else if (parsed.kind === 'index') {
    result = { ...base, manifests: parsed.manifests.map(childSummary) };
  } else if (parsed.kind === 'image') {
    const config = await configSummary(deps, ref, parsed.config!);
    if (platform !== undefined && config && !platformMatches(platform, config)) {
      throw new AppError(
        'PLATFORM_NOT_FOUND',
        `${formatReference({ ...ref, digest })} is ${formatPlatform(config)}, not ${platform}`,
      );
    }
    const layers = parsed.layers.map(({ digest: d, mediaType, size }) => ({ digest: d, mediaType, size }));
    result = {
      ...base,
      ...(config ? { platform: formatPlatform(config), config } : {}),
      layers,
      totalSize: layers.reduce((sum, l) => sum + l.size, 0),
    };
  } else {
    // schema1: no config blob; the manifest itself names the architecture.
    const json = parsed.json as { architecture?: string; history?: unknown[] };
    result = {
      ...base,
      ...(json.architecture ? { platform: `linux/${json.architecture}` } : {}),
      layers: parsed.layers.map(({ digest: d, mediaType }) => ({ digest: d, mediaType, size: -1 })),
    };
  }
  cacheWrite(deps, 'inspect', key, () => putInspectRecord(deps.kv, key, result));
  return result;
}

/** The platform's image in an index: a direct child first, else searched inside child indexes. */
async function pickPlatform(
  deps: Deps,
  ref: ImageReference,
  index: ParsedManifest,
  platform: string,
  level: number,
): Promise<InspectResult | undefined> {
  const direct = index.manifests.find((m) => !isIndexMediaType(m.mediaType) && platformMatches(platform, m.platform));
  if (direct) return summarize(deps, ref, direct.digest, platform, level + 1);
  for (const child of index.manifests.filter((m) => isIndexMediaType(m.mediaType))) {
    try {
      return await summarize(deps, ref, child.digest, platform, level + 1);
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'PLATFORM_NOT_FOUND')) throw error;
    }
  }
  return undefined;
}

function childSummary(d: Descriptor): ChildSummary {
  return {
    digest: d.digest,
    mediaType: d.mediaType,
    size: d.size,
    platform: formatPlatform(d.platform),
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    ...(d.annotations ? { annotations: d.annotations } : {}),
  };
}

async function configSummary(
  deps: Deps,
  ref: ImageReference,
  descriptor: Descriptor,
): Promise<ConfigSummary | undefined> {
  if (!IMAGE_CONFIG_TYPES.has(descriptor.mediaType)) return undefined; // an artifact: its config is not an image config
  const bytes = await registryClient(deps, ref.registry).readBlob(ref.repository, descriptor.digest, MAX_CONFIG_BYTES);
  let doc: Record<string, any>;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, any>;
  } catch {
    throw new AppError('MANIFEST_INVALID', `config ${descriptor.digest} is not JSON`);
  }
  const c = (doc.config ?? {}) as Record<string, any>;
  const optional = (name: string, value: unknown) =>
    typeof value === 'string' && value !== '' ? { [name]: value } : {};
  return {
    digest: descriptor.digest,
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    ...optional('os', doc.os),
    ...optional('architecture', doc.architecture),
    ...optional('variant', doc.variant),
    ...optional('created', doc.created),
    ...optional('author', doc.author),
    labels: (c.Labels ?? {}) as Record<string, string>,
    env: (c.Env ?? []) as string[],
    entrypoint: (c.Entrypoint ?? null) as string[] | null,
    cmd: (c.Cmd ?? null) as string[] | null,
    ...optional('workingDir', c.WorkingDir),
    exposedPorts: Object.keys(c.ExposedPorts ?? {}).sort(),
    ...optional('user', c.User),
    historyLength: Array.isArray(doc.history) ? doc.history.length : 0,
    history: (Array.isArray(doc.history) ? (doc.history as Record<string, unknown>[]) : []).map((h) => ({
      ...optional('created', h?.created),
      ...optional('createdBy', h?.created_by),
      ...optional('comment', h?.comment),
      emptyLayer: h?.empty_layer === true,
    })),
  };
}

export interface TagSummary {
  tag: string;
  digest?: string;
  kind?: InspectResult['kind'];
  /** An image's layers, compressed. */
  size?: number;
  /** An index's platforms. */
  platforms?: number;
  /** An index's images, each with its own size (its layers, compressed), not its manifest's. */
  platformSizes?: { platform: string; digest: string; size: number; created?: string }[];
  /** The image config's `created`, or an index's `org.opencontainers.image.created` (else its newest image's). */
  created?: string;
  /** Why this tag could not be read (its error code), without failing the others. */
  error?: string;
}

/**
 * Each platform image of an index with its size (its layers, compressed): read by digest, so cached once seen.
 * Attestations and other artifacts are left out.
 */
export async function imageSizes(
  deps: Deps,
  repository: string,
  children: NonNullable<InspectResult['manifests']>,
): Promise<{ platform: string; digest: string; size: number; created?: string }[]> {
  const images = children.filter(
    (c) => c.platform && c.platform !== 'unknown/unknown' && !c.artifactType && !/index|list/.test(c.mediaType),
  );
  return Promise.all(
    images.map(async (c) => {
      const image = await inspectImage(deps, `${repository}@${c.digest}`);
      const created = image.config?.created;
      return { platform: c.platform, digest: c.digest, size: image.totalSize ?? 0, ...(created ? { created } : {}) };
    }),
  );
}

/** A `created` as a time to compare (RFC 3339 may carry offsets); an unreadable one sorts as oldest. */
export function createdTime(created: string | undefined): number {
  const time = created ? Date.parse(created) : NaN;
  return Number.isNaN(time) ? -Infinity : time;
}

// Tags summarized at once: each costs a manifest (and a config) read the first time, then the cache answers.
const TAG_SUMMARY_CONCURRENCY = 8;

/** Digest, size and age of each of `tags` in `repository` (a page of a tag list). */
export async function summarizeTags(deps: Deps, repository: string, tags: string[]): Promise<TagSummary[]> {
  const summaries = new Map<string, TagSummary>();
  await runPool(tags, TAG_SUMMARY_CONCURRENCY, async (tag) => {
    // A registry may list what no tag can be: reported, never asked for.
    if (!isValidTag(tag)) return void summaries.set(tag, { tag, error: 'INVALID_REFERENCE' });
    try {
      const image = await inspectImage(deps, `${repository}:${tag}`);
      const platformSizes = image.manifests ? await imageSizes(deps, repository, image.manifests) : undefined;
      // An index without its own date is as old as its newest image.
      const newest = platformSizes
        ?.map((p) => p.created)
        .filter((c): c is string => !!c)
        .sort((a, b) => createdTime(a) - createdTime(b))
        .at(-1);
      const created = image.config?.created ?? image.annotations?.['org.opencontainers.image.created'] ?? newest;
      summaries.set(tag, {
        tag,
        digest: image.digest,
        kind: image.kind,
        ...(image.totalSize !== undefined ? { size: image.totalSize } : {}),
        ...(image.manifests ? { platforms: image.manifests.length } : {}),
        ...(platformSizes ? { platformSizes } : {}),
        ...(created ? { created } : {}),
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      summaries.set(tag, { tag, error: error.code });
    }
  });
  return tags.map((tag) => summaries.get(tag)!);
}
