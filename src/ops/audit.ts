// The audit trail: one KV record per mutating request (who, what, source and target with digests, outcome).

import type { Deps } from '../deps.js';
import { listAudit, putAudit, type AuditRecord } from '../kv/records.js';

export type { AuditRecord };

export async function recordAudit(deps: Deps, entry: Omit<AuditRecord, 'at'>): Promise<void> {
  const now = deps.now();
  try {
    await putAudit(deps.kv, { at: new Date(now).toISOString(), ...entry }, now);
  } catch (error) {
    // The mutation already happened: losing its record must be loud, but must not turn success into failure.
    deps.log.error('could not write an audit record', { action: entry.action, caller: entry.caller, error: error instanceof Error ? error.message : 'unknown' });
  }
}

export function listAuditRecords(deps: Deps, options: { limit: number; cursor?: string }) {
  return listAudit(deps.kv, options);
}

/** The audit records of a finished copy: one per copied tag set, or one for the failure. */
export async function auditCopy(
  deps: Deps,
  caller: string,
  request: { source: string; target: string },
  outcome: { results: { source: string; target: string; digest: string; tags: string[] }[] } | { error: { code: string } },
): Promise<void> {
  if ('error' in outcome) {
    await recordAudit(deps, { caller, action: 'copy', source: request.source, target: request.target, outcome: 'error', code: outcome.error.code });
    return;
  }
  for (const r of outcome.results) {
    await recordAudit(deps, { caller, action: 'copy', source: r.source, target: r.target, sourceDigest: r.source.split('@')[1], targetDigest: r.digest, tags: r.tags, outcome: 'ok' });
  }
}

/** The audit record of a promotion: targets and tags from its plan when there is one, the error code when it failed. */
export async function auditPromotion(
  deps: Deps,
  caller: string,
  source: string,
  plan: { source: string; digest: string; steps: { target: string; tag: string }[] } | undefined,
  error?: { code: string },
): Promise<void> {
  await recordAudit(deps, {
    caller,
    action: 'promote',
    source: plan?.source ?? source,
    ...(plan ? { sourceDigest: plan.digest, targetDigest: plan.digest, target: [...new Set(plan.steps.map((s) => s.target))].join(','), tags: plan.steps.map((s) => s.tag) } : {}),
    outcome: error ? 'error' : 'ok',
    ...(error ? { code: error.code } : {}),
  });
}
