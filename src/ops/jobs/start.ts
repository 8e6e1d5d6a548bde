// Jobs created: a copy handed over or run as a job, a copy's outcome recorded, a promotion from an event.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { parseReference } from '../../reference.js';
import type { PromotionRule } from '../../config/rules.js';
import { auditCopy } from '../audit.js';
import { copySubjects, parseCopySpec, type CopyRequest, type CopySpec } from '../copy/index.js';
import type { MirrorSettings } from '../mirror/index.js';
import { createJobRecord, newJob, type JobOwner, type JobRecord } from './record.js';

/** How a copy was asked for: `spec`, the request already parsed (a request path parses it once). */
interface CopyDetails {
  spec?: CopySpec;
}

/** A copy job's fields: the request as asked (less `wait`), its owner, and the repositories it is about. */
function copyFields(request: CopyRequest, owner: JobOwner, spec: CopySpec = parseCopySpec(request)) {
  const { wait: _wait, ...copy } = request;
  const { source, target } = copySubjects(spec);
  const about = { caller: owner.id, readScope: owner.readScope, repositories: [source, target] };
  return { kind: 'copy' as const, request: copy, ...about };
}

/** `reason`: why it is a job and not an answer (said in the record); `id`: one the caller promised already. */
export async function createCopyJob(
  deps: Deps,
  request: CopyRequest,
  owner: JobOwner,
  details: CopyDetails & { reason?: string; id?: string } = {},
): Promise<JobRecord> {
  const { reason, id = crypto.randomUUID() } = details;
  const fields = { id, ...copyFields(request, owner, details.spec), ...(reason ? { reason } : {}) };
  return (await createJobRecord(deps, newJob(deps, fields))).job;
}

/** A copy job under an id that names what it does: created once, however many callers ask at once. */
export function createCopyJobOnce(
  deps: Deps,
  request: CopyRequest,
  owner: JobOwner,
  id: string,
  reason: string,
): Promise<{ job: JobRecord; created: boolean }> {
  return createJobRecord(deps, newJob(deps, { id, ...copyFields(request, owner), reason }));
}

/**
 * A streamed copy that ended in its request, recorded under the id its client was told at once: a client
 * that went away before the last event (however late that was noticed, if at all) finds the outcome there.
 */
export async function recordCopyOutcome(
  deps: Deps,
  request: CopyRequest,
  owner: JobOwner,
  id: string,
  outcome: Pick<JobRecord, 'result' | 'error'> & { progress?: JobRecord['progress'] },
  details: CopyDetails = {},
): Promise<void> {
  const fields = { id, ...copyFields(request, owner, details.spec), reason: 'ran in its request', runs: 1 };
  await createJobRecord(deps, { ...newJob(deps, fields), state: outcome.error ? 'failed' : 'done', ...outcome });
}

/**
 * A synchronous copy that cannot finish in its request (its plan is over budget, its client went away)
 * goes on as a job: created under `id`, queued, and audited as handed over. What the copy did so far
 * stays; the job finds it at the target and does the rest.
 */
export async function handOverCopy(
  deps: Deps,
  request: CopyRequest,
  owner: JobOwner,
  details: CopyDetails & { reason: string; id?: string },
): Promise<JobRecord> {
  if (!deps.jobs)
    throw new AppError(
      'NOT_SUPPORTED',
      `${details.reason}; no job runner is configured (Workers: the FERRY_JOBS Workflow binding)`,
    );
  const job = await createCopyJob(deps, request, owner, details);
  await deps.jobs.enqueue(job.id);
  await auditCopy(deps, owner.id, request, { handedOver: { job: job.id, reason: details.reason } });
  return job;
}

/**
 * A sync run's job for one repository (`request`: its source and target), created once under `id` and queued:
 * it plans the repository as `mirror` says, prunes, and copies the tags that changed (src/ops/jobs/mirror.ts).
 */
export async function startMirrorJob(
  deps: Deps,
  request: CopyRequest,
  mirror: MirrorSettings,
  owner: JobOwner,
  details: { id: string; reason: string },
): Promise<JobRecord> {
  if (!deps.jobs)
    throw new AppError('NOT_SUPPORTED', 'sync runs need a job runner (Workers: the FERRY_JOBS Workflow binding)');
  const fields = { ...copyFields({ ...request, tags: 'all' }, owner), ...details, mirror };
  const { job, created } = await createJobRecord(deps, newJob(deps, fields));
  if (created) await deps.jobs.enqueue(job.id);
  return job;
}

/**
 * A promotion job (from a webhook event): the source is pinned by digest and re-checked when it runs.
 * Tells whether this call created it (false: the id was taken, the job left as it is).
 */
export function createPromotionJobOnce(
  deps: Deps,
  promotion: { source: string; rule: PromotionRule; trigger?: JobRecord['trigger'] },
  owner: JobOwner,
  id: string,
): Promise<{ job: JobRecord; created: boolean }> {
  const source = parseReference(promotion.source);
  const fields = {
    id,
    kind: 'promote' as const,
    promotion: {
      source: promotion.source,
      rule: promotion.rule.name,
      ...(promotion.rule.author ? { owner: promotion.rule.author.id } : {}),
    },
    caller: owner.id,
    readScope: owner.readScope,
    repositories: [`${source.registry}/${source.repository}`, ...promotion.rule.targets.map((t) => t.repository)],
    ...(promotion.trigger ? { trigger: promotion.trigger } : {}),
  };
  return createJobRecord(deps, newJob(deps, fields));
}
