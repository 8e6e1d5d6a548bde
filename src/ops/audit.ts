// The audit trail: one record per mutating request (who, what, source and target with digests, outcome),
// in the state store: a record is written once and must be listable at once, which KV does not promise.

import { publishEvent, type FerryEvent } from './events/index.js';
import type { Deps } from '../deps.js';
import { parseReference } from '../reference.js';
import { AUDIT_CURSOR, stateKeys } from '../state/records.js';
import { AppError } from '../errors.js';
import type { SignatureOutcome } from '../signatures/found.js';

// How long a record stays (13 months and a bit: a year's comparison). A month's group holds one month: at
// 200 promotions a minute (~700 B a record) ~6 GB, under a Durable Object's 10 GB.
const AUDIT_TTL_SECONDS = 400 * 24 * 3600;
const RETAINED_MONTHS = 14;

// Records the store refused since this process (isolate) started: /healthz shows it, the log names each.
let lost = 0;

/** How many audit records could not be written since this process (isolate) started. */
export const auditRecordsLost = () => lost;

export interface AuditRecord {
  at: string;
  caller: string;
  action: string;
  source?: string;
  target?: string;
  sourceDigest?: string;
  targetDigest?: string;
  tags?: string[];
  /** handed-over: the request could not finish it; `job` does the rest, for `reason`. */
  outcome: 'ok' | 'error' | 'handed-over';
  code?: string;
  job?: string;
  reason?: string;
  /** What ran: a copy or a promotion (as jobs say it), and what started it when a webhook did. */
  kind?: 'copy' | 'promote';
  trigger?: { receiver: string; delivery: string };
  /** A promotion's rule; on failure, what went wrong (the code says which kind). */
  rule?: string;
  detail?: string;
  /** What a promotion rule's `verify` gate accepted: signer, identity, log index, time. */
  verified?: { signature?: SignatureOutcome; attestations: SignatureOutcome[] };
  /** Every host a copy's bytes were read from or written to: registries, mirrors, blob storage. */
  hosts?: string[];
  /** "registry/repository" names or globs the record is about: only an admin over all of them reads it. */
  repositories?: string[];
}

export async function recordAudit(deps: Deps, entry: Omit<AuditRecord, 'at'>): Promise<void> {
  const now = deps.now();
  try {
    const record: AuditRecord = {
      at: new Date(now).toISOString(),
      ...entry,
      repositories: entry.repositories ?? namedRepositories(entry),
    };
    await deps.state.create(stateKeys.audit(now, crypto.randomUUID()), JSON.stringify(record), {
      ttlSeconds: AUDIT_TTL_SECONDS,
    });
  } catch (error) {
    // The mutation already happened: losing its record must be loud, but must not turn success into failure.
    lost++;
    deps.log.error('could not write an audit record', {
      action: entry.action,
      caller: entry.caller,
      error: error instanceof Error ? error.message : 'unknown',
    });
  }
}

/**
 * The repositories of a record's source and target references ("a,b" for a promotion's targets); unreadable ones as
 * they are.
 */
function namedRepositories(entry: Pick<AuditRecord, 'source' | 'target'>): string[] {
  const names = [entry.source, ...(entry.target?.split(',') ?? [])].filter((r): r is string => !!r);
  return [
    ...new Set(
      names.map((name) => {
        try {
          const ref = parseReference(name);
          return `${ref.registry}/${ref.repository}`;
        } catch {
          return name;
        }
      }),
    ),
  ];
}

/**
 * A page of records, newest first, holding only those `visible` passes (a page may hold fewer than
 * `limit`: follow the cursor). It reads month by month back from the cursor's month (or this one), one
 * list a month, for at most the months records are kept.
 */
export async function listAuditRecords(
  deps: Deps,
  options: { limit: number; cursor?: string },
  visible: (repositories: string[]) => boolean,
): Promise<{ records: AuditRecord[]; cursor?: string }> {
  if (options.cursor !== undefined && !AUDIT_CURSOR.test(options.cursor))
    throw new AppError('INVALID_REQUEST', 'query: "cursor" is not a cursor this list gave');
  const legacy = stateKeys.legacyAuditPrefix();
  if (options.cursor?.startsWith(legacy)) return listLegacy(deps, options, visible, []);
  let month = options.cursor ? monthOf(options.cursor) : deps.now();
  let cursor = options.cursor;
  const oldest = deps.now() - AUDIT_TTL_SECONDS * 1000;
  const records: AuditRecord[] = [];
  for (let months = 0; months < RETAINED_MONTHS && month >= startOfMonth(oldest); months++) {
    const prefix = stateKeys.auditMonth(month);
    const page = await deps.state.list(prefix, {
      limit: options.limit - records.length,
      ...(cursor && cursor !== prefix ? { cursor } : {}),
    });
    records.push(
      ...page.entries
        .map((e) => JSON.parse(e.value) as AuditRecord)
        .filter((r) => visible(r.repositories ?? namedRepositories(r))),
    );
    if (page.cursor) return { records, cursor: page.cursor };
    month = startOfMonth(month) - 1; // the month before
    cursor = undefined;
    if (records.length >= options.limit) return { records, cursor: stateKeys.auditMonth(month) };
  }
  return records.length >= options.limit ? { records, cursor: legacy } : listLegacy(deps, options, visible, records);
}

/** The records an earlier version kept in one group (before months), after the months' ones. */
async function listLegacy(
  deps: Deps,
  options: { limit: number; cursor?: string },
  visible: (repositories: string[]) => boolean,
  records: AuditRecord[],
): Promise<{ records: AuditRecord[]; cursor?: string }> {
  const prefix = stateKeys.legacyAuditPrefix();
  const cursor = options.cursor?.startsWith(prefix) && options.cursor !== prefix ? options.cursor : undefined;
  const page = await deps.state.list(prefix, { limit: options.limit - records.length, ...(cursor ? { cursor } : {}) });
  records.push(
    ...page.entries
      .map((e) => JSON.parse(e.value) as AuditRecord)
      .filter((r) => visible(r.repositories ?? namedRepositories(r))),
  );
  return page.cursor ? { records, cursor: page.cursor } : { records };
}

const startOfMonth = (at: number) => {
  const day = new Date(at);
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1);
};

/** The time at the start of a cursor's month. */
const monthOf = (cursor: string) => Date.parse(`${cursor.slice('audit:'.length, 'audit:'.length + 7)}-01T00:00:00Z`);

/** A finished copy as an event: its results, or its failure's code. */
function copyEvent(
  caller: string,
  request: { source: string; target: string },
  outcome:
    { results: { source: string; target: string; digest: string; tags: string[] }[] } | { error: { code: string } },
  job: string | undefined,
): FerryEvent {
  const failed = 'error' in outcome;
  // From the results where there are some: the request was parsed once already (and its source may be a tag).
  const repositories = failed
    ? namedRepositories(request)
    : [...new Set(outcome.results.flatMap((r) => [...namedRepositories({ source: r.source }), r.target]))];
  return {
    kind: 'copy',
    outcome: failed ? 'failed' : 'completed',
    repositories,
    data: {
      source: request.source,
      target: request.target,
      caller,
      ...(job ? { job } : {}),
      ...(failed
        ? { code: outcome.error.code }
        : { results: outcome.results.map((r) => ({ target: r.target, digest: r.digest, tags: r.tags })) }),
    },
  };
}

/** The audit records of a finished copy: one per copied tag set, or one for the failure. */
export async function auditCopy(
  deps: Deps,
  caller: string,
  request: { source: string; target: string },
  outcome:
    | { results: { source: string; target: string; digest: string; tags: string[] }[] }
    | { error: { code: string } }
    | { handedOver: { job: string; reason: string } },
  job?: string,
  hosts?: ReadonlySet<string>,
): Promise<void> {
  const ran = { kind: 'copy' as const, ...(job ? { job } : {}), ...(hosts?.size ? { hosts: [...hosts].sort() } : {}) };
  if (!('handedOver' in outcome)) await publishEvent(deps, copyEvent(caller, request, outcome, job));
  if ('handedOver' in outcome) {
    await recordAudit(deps, {
      caller,
      action: 'copy',
      kind: 'copy',
      source: request.source,
      target: request.target,
      outcome: 'handed-over',
      ...outcome.handedOver,
    });
    return;
  }
  if ('error' in outcome) {
    await recordAudit(deps, {
      caller,
      action: 'copy',
      source: request.source,
      target: request.target,
      outcome: 'error',
      code: outcome.error.code,
      ...ran,
    });
    return;
  }
  for (const r of outcome.results) {
    // A result's target is a repository name already; only its source (by digest) is parsed.
    const [source] = namedRepositories({ source: r.source });
    await recordAudit(deps, {
      caller,
      action: 'copy',
      source: r.source,
      target: r.target,
      repositories: [...new Set([source ?? r.source, r.target])],
      sourceDigest: r.source.split('@')[1],
      targetDigest: r.digest,
      tags: r.tags,
      outcome: 'ok',
      ...ran,
    });
  }
}

/** Codes of a promotion a gate refused (its signatures, its rule), not one that failed on the way. */
const PROMOTION_REFUSALS = new Set(['SIGNATURE_INVALID', 'SIGNATURE_MISSING', 'RULE_MISMATCH']);

/** The audit record of a promotion: targets and tags from its plan when there is one, the error code when it failed. */
export async function auditPromotion(
  deps: Deps,
  caller: string,
  source: string,
  plan:
    | { source: string; digest: string; steps: { target: string; tag: string }[]; verified?: AuditRecord['verified'] }
    | undefined,
  error?: { code: string; message?: string },
  context: { job?: string; rule?: string | undefined; trigger?: AuditRecord['trigger'] } = {},
): Promise<void> {
  const outcome = !error ? 'completed' : PROMOTION_REFUSALS.has(error.code) ? 'refused' : 'failed';
  deps.metrics?.count('promotions', { outcome });
  const targets = plan ? [...new Set(plan.steps.map((s) => s.target))] : [];
  await publishEvent(deps, {
    kind: 'promotion',
    outcome,
    repositories: [...namedRepositories({ source: plan?.source ?? source }), ...targets],
    data: {
      source: plan?.source ?? source,
      ...(plan ? { digest: plan.digest, targets, tags: plan.steps.map((s) => s.tag) } : {}),
      caller,
      ...(context.rule ? { rule: context.rule } : {}),
      ...(context.job ? { job: context.job } : {}),
      ...(error ? { code: error.code, ...(error.message ? { message: error.message.slice(0, 500) } : {}) } : {}),
    },
  });
  await recordAudit(deps, {
    caller,
    action: 'promote',
    kind: 'promote',
    ...(context.trigger ? { trigger: context.trigger } : {}),
    ...(context.job ? { job: context.job } : {}),
    ...(context.rule ? { rule: context.rule } : {}),
    ...(error?.message ? { detail: error.message.slice(0, 500) } : {}),
    source: plan?.source ?? source,
    ...(plan?.verified ? { verified: plan.verified } : {}),
    ...(plan
      ? {
          sourceDigest: plan.digest,
          targetDigest: plan.digest,
          target: [...new Set(plan.steps.map((s) => s.target))].join(','),
          tags: plan.steps.map((s) => s.tag),
        }
      : {}),
    outcome: error ? 'error' : 'ok',
    ...(error ? { code: error.code } : {}),
  });
}
