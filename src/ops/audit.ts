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
