import type { Deps } from '../../deps.js';
import { parseRepositoryName } from '../../reference.js';
import { recordAudit } from '../audit.js';
import { abandonUploads } from '../copy/index.js';
import { publishEvent } from '../events/index.js';
import { jobLanes } from './fair-slots.js';
import { giveJobSlots } from './lane-slots.js';
import { getJob, isFinished, jobRepositories, updateJob, type JobRecord } from './record.js';

/**
 * Cancels a queued or running job and its batches: the record says `cancelled` first (so nothing
 * restarts it and a run that is still going stops before its next blob and writes no tag), then the
 * runner is told. Returns the record as it is now; a job that had finished is left as it was.
 */
export async function cancelJob(deps: Deps, id: string, by: string): Promise<JobRecord | null> {
  const before = await getJob(deps, id);
  if (!before || isFinished(before)) return before;
  const job = await updateJob(deps, id, (held) =>
    isFinished(held)
      ? null
      : { ...held, state: 'cancelled', error: { code: 'CANCELLED', message: `cancelled by ${by}` } },
  );
  if (job?.state !== 'cancelled') return job;
  await publishEvent(deps, {
    kind: 'job',
    outcome: 'cancelled',
    repositories: jobRepositories(job),
    data: { job: id, kind: job.kind, by },
  });
  await Promise.resolve(deps.jobs?.cancel(id)).catch((error: unknown) =>
    deps.log.warn('could not stop a cancelled job run', {
      id,
      error: error instanceof Error ? error.message : 'unknown',
    }),
  );
  // A stopped instance gives back no slot of its own (lane-slots.ts): its lease would hold it for hours.
  await giveJobSlots(deps, id, jobLanes(job)).catch((error: unknown) =>
    deps.log.warn("could not give back a cancelled job's slots", {
      id,
      error: error instanceof Error ? error.message : 'unknown',
    }),
  );
  for (const batch of job.batches ?? []) await cancelJob(deps, batch, by);
  // Uploads the stopped run left open at its targets (the source, and templates not yet rendered, aside);
  // its batches, cancelled above, abandon their own.
  for (const repository of jobRepositories(job)
    .slice(1)
    .filter((r) => !r.includes('{'))) {
    const name = parseRepositoryName(repository);
    await abandonUploads(deps, name.registry, name.repository, id).catch((error: unknown) =>
      deps.log.warn('could not cancel open uploads', {
        id,
        repository,
        error: error instanceof Error ? error.message : 'unknown',
      }),
    );
  }
  await recordAudit(deps, {
    caller: by,
    action: 'job.cancel',
    job: id,
    ...(job.repositories ? { repositories: job.repositories } : {}),
    outcome: 'ok',
  });
  return job;
}
