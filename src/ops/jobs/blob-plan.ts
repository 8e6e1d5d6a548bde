// The blobs a job brings ahead of its manifests, as steps (one blob to one target) and in the compact form a
// step returns (a Workflow step's result is at most 1 MiB).

import { fnv1a } from '../../encoding.js';

/** One blob to bring to one target repository. Small and plain: it is a step's input, kept by the engine. */
export interface BlobStep {
  /** "registry/repository" */
  source: string;
  /** "registry/repository" */
  target: string;
  digest: string;
  size: number;
  mediaType: string;
  verify: boolean;
}

/**
 * The blob plan as a step returns it (a step's result is at most 1 MiB): per source, target and verify,
 * each blob as [digest, size, index of its media type]; about 90 bytes a blob, ~11,000 blobs a MiB.
 */
export interface CompactPlan {
  mediaTypes: string[];
  groups: {
    source: string;
    target: string;
    verify: boolean;
    blobs: [digest: string, size: number, mediaType: number][];
  }[];
}

export function compactPlan(steps: BlobStep[]): CompactPlan {
  const plan: CompactPlan = { mediaTypes: [], groups: [] };
  for (const step of steps) {
    let group = plan.groups.find(
      (g) => g.source === step.source && g.target === step.target && g.verify === step.verify,
    );
    if (!group)
      plan.groups.push((group = { source: step.source, target: step.target, verify: step.verify, blobs: [] }));
    let type = plan.mediaTypes.indexOf(step.mediaType);
    if (type < 0) type = plan.mediaTypes.push(step.mediaType) - 1;
    group.blobs.push([step.digest, step.size, type]);
  }
  return plan;
}

export function expandPlan(plan: CompactPlan): BlobStep[] {
  return plan.groups.flatMap((g) =>
    g.blobs.map(([digest, size, type]) => ({
      source: g.source,
      target: g.target,
      verify: g.verify,
      digest,
      size,
      mediaType: plan.mediaTypes[type]!,
    })),
  );
}

// The engine takes step names of at most 256 characters; a blob's steps add " part <n>" to this name.
const MAX_BLOB_STEP_NAME = 236;

/**
 * A stable step name: the engine matches steps of a replayed run by name. A target too long for the name
 * is shortened to its end and a hash of the whole, so names stay distinct.
 */
export function blobStepName(step: BlobStep): string {
  const name = `blob ${step.target} ${step.digest}`;
  if (name.length <= MAX_BLOB_STEP_NAME) return name;
  const hash = fnv1a(step.target);
  const room = MAX_BLOB_STEP_NAME - `blob … ${hash} ${step.digest}`.length;
  return `blob …${step.target.slice(-room)} ${hash} ${step.digest}`;
}
