// A sync run's job for one repository plans it where it runs (a Workflow step of its own on Workers, so a
// set of many repositories never plans in one invocation): the tags to copy, the prunes made, and what the
// plan found, written to the job's record for the run's history.

import type { Deps } from '../../deps.js';
import { applyPrunes, planRepository } from '../mirror/index.js';
import { getJob, isFinished, updateJob, type MirrorOutcome } from './record.js';

/** The tags a mirror job copies, and whether its plan asked the target about each (so the copy does not). */
export interface MirrorChoice {
  tags: string[];
  targetAsked: boolean;
}

/**
 * Plans the job's repository and makes its prunes; a plan that fails fails the job (its error is the
 * repository's). Nothing to copy when the job is over already.
 */
export async function chooseMirrorTags(deps: Deps, id: string): Promise<MirrorChoice> {
  const job = await getJob(deps, id);
  if (!job || isFinished(job) || job.kind !== 'copy' || !job.mirror) return { tags: [], targetAsked: false };
  const { source, target } = job.request;
  const counted: Deps = { ...deps, requestsMade: { count: 0 } };
  const steps = await planRepository(counted, job.mirror, source, target);
  const { pruned, errors } = await applyPrunes(counted, job.mirror.name, target, steps);
  const copies = steps.filter((s) => s.action === 'copy');
  const outcome: MirrorOutcome = {
    skipped: steps.filter((s) => s.action === 'skip').length,
    pruned,
    errors,
    requests: counted.requestsMade!.count,
  };
  await updateJob(deps, id, (held) => (isFinished(held) ? null : { ...held, mirrored: outcome }));
  // A platform filter writes an image of its own, which the plan did not compare; a referrers-only change
  // finds the image there.
  const targetAsked = job.mirror.platforms === 'all' && copies.every((s) => !s.imageThere);
  return { tags: copies.map((s) => s.tag), targetAsked };
}
