// What changed between two images: platforms added and removed, and for each platform both have, the
// layers shared, added and removed (with sizes) and the config's changes (env, labels, entrypoint, cmd,
// working dir, exposed ports). Built on inspection, so its caches serve it; GET /v1/diff and `ferry diff`.

import type { Deps } from '../../deps.js';
import { formatReference, parseReference } from '../../reference.js';
import { inspectImage, type ConfigSummary, type InspectResult } from './inspect.js';
import { runPool } from '../../pool.js';

interface Layer {
  digest: string;
  size: number;
}

export interface PlatformDiff {
  platform: string;
  from: string;
  to: string;
  layers: {
    shared: Layer[];
    added: Layer[];
    removed: Layer[];
    sharedBytes: number;
    addedBytes: number;
    removedBytes: number;
  };
  config: ConfigDiff;
}

export interface ConfigDiff {
  env: { added: string[]; removed: string[] };
  labels: {
    added: Record<string, string>;
    removed: Record<string, string>;
    changed: Record<string, { from: string; to: string }>;
  };
  exposedPorts: { added: string[]; removed: string[] };
  entrypoint?: { from: string[] | null; to: string[] | null };
  cmd?: { from: string[] | null; to: string[] | null };
  workingDir?: { from: string | null; to: string | null };
}

export interface ImageDiff {
  from: { reference: string; digest: string };
  to: { reference: string; digest: string };
  identical: boolean;
  platforms: { added: string[]; removed: string[]; common: string[] };
  images: PlatformDiff[];
}

// Attestation manifests in buildx indexes say "unknown/unknown": not a platform anyone runs.
const NOT_A_PLATFORM = 'unknown/unknown';

/** Each platform's image: the children of an index (inspected by digest, so cached), or the image itself. */
async function imagesOf(
  deps: Deps,
  input: string,
): Promise<{ top: InspectResult; byPlatform: Map<string, InspectResult> }> {
  const top = await inspectImage(deps, input);
  const byPlatform = new Map<string, InspectResult>();
  if (!top.manifests) {
    byPlatform.set(top.platform ?? NOT_A_PLATFORM, top);
    return { top, byPlatform };
  }
  const ref = parseReference(input);
  const children = top.manifests.filter(
    (m) => m.platform !== NOT_A_PLATFORM && !m.mediaType.includes('index') && !m.mediaType.includes('manifest.list'),
  );
  await runPool(children, deps.config.limits.indexConcurrency, async (child) => {
    byPlatform.set(
      child.platform,
      await inspectImage(deps, formatReference({ ...ref, tag: undefined, digest: child.digest })),
    );
  });
  return { top, byPlatform };
}

const sum = (layers: Layer[]) => layers.reduce((n, l) => n + Math.max(0, l.size), 0);

function layerDiff(from: InspectResult, to: InspectResult): PlatformDiff['layers'] {
  const before = (from.layers ?? []).map(({ digest, size }) => ({ digest, size }));
  const after = (to.layers ?? []).map(({ digest, size }) => ({ digest, size }));
  const had = new Set(before.map((l) => l.digest));
  const has = new Set(after.map((l) => l.digest));
  const shared = after.filter((l) => had.has(l.digest));
  const added = after.filter((l) => !had.has(l.digest));
  const removed = before.filter((l) => !has.has(l.digest));
  return { shared, added, removed, sharedBytes: sum(shared), addedBytes: sum(added), removedBytes: sum(removed) };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function configDiff(from: ConfigSummary | undefined, to: ConfigSummary | undefined): ConfigDiff {
  const envBefore = new Set(from?.env ?? []);
  const envAfter = new Set(to?.env ?? []);
  const labelsBefore = from?.labels ?? {};
  const labelsAfter = to?.labels ?? {};
  const portsBefore = new Set(from?.exposedPorts ?? []);
  const portsAfter = new Set(to?.exposedPorts ?? []);
  const diff: ConfigDiff = {
    env: {
      added: [...envAfter].filter((e) => !envBefore.has(e)),
      removed: [...envBefore].filter((e) => !envAfter.has(e)),
    },
    labels: {
      added: Object.fromEntries(Object.entries(labelsAfter).filter(([k]) => !(k in labelsBefore))),
      removed: Object.fromEntries(Object.entries(labelsBefore).filter(([k]) => !(k in labelsAfter))),
      changed: Object.fromEntries(
        Object.entries(labelsAfter)
          .filter(([k, v]) => k in labelsBefore && labelsBefore[k] !== v)
          .map(([k, v]) => [k, { from: labelsBefore[k]!, to: v }]),
      ),
    },
    exposedPorts: {
      added: [...portsAfter].filter((p) => !portsBefore.has(p)),
      removed: [...portsBefore].filter((p) => !portsAfter.has(p)),
    },
  };
  if (!same(from?.entrypoint ?? null, to?.entrypoint ?? null))
    diff.entrypoint = { from: from?.entrypoint ?? null, to: to?.entrypoint ?? null };
  if (!same(from?.cmd ?? null, to?.cmd ?? null)) diff.cmd = { from: from?.cmd ?? null, to: to?.cmd ?? null };
  if ((from?.workingDir ?? null) !== (to?.workingDir ?? null))
    diff.workingDir = { from: from?.workingDir ?? null, to: to?.workingDir ?? null };
  return diff;
}

export async function diffImages(deps: Deps, fromInput: string, toInput: string): Promise<ImageDiff> {
  const [from, to] = await Promise.all([imagesOf(deps, fromInput), imagesOf(deps, toInput)]);
  const before = [...from.byPlatform.keys()];
  const after = [...to.byPlatform.keys()];
  const common = after.filter((p) => from.byPlatform.has(p)).sort();
  const images = common.map((platform) => {
    const a = from.byPlatform.get(platform)!;
    const b = to.byPlatform.get(platform)!;
    return { platform, from: a.digest, to: b.digest, layers: layerDiff(a, b), config: configDiff(a.config, b.config) };
  });
  return {
    from: { reference: from.top.reference, digest: from.top.digest },
    to: { reference: to.top.reference, digest: to.top.digest },
    identical: from.top.digest === to.top.digest,
    platforms: {
      added: after.filter((p) => !from.byPlatform.has(p)).sort(),
      removed: before.filter((p) => !to.byPlatform.has(p)).sort(),
      common,
    },
    images,
  };
}
