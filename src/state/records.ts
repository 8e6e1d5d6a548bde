// The only file that spells state keys (src/state/store.ts: "<group>|<name>").

const MAX_TIMESTAMP = 9_999_999_999_999;

/** "audit:2026-12|": the group of a month's audit records, as the prefix its keys start with. */
const auditMonthPrefix = (at: number) => `audit:${new Date(at).toISOString().slice(0, 7)}|`;

/**
 * An audit list's cursor: a key (or the start) of one month's records, or of the records kept before
 * months (`audit|`); never another group's.
 */
export const AUDIT_CURSOR = /^audit(:\d{4}-\d{2})?\|(\d{16}:[\w-]+)?$/;

export const stateKeys = {
  /**
   * A group per job (a Durable Object per job on Workers): its progress writes and reads load no other job's
   * object. Jobs are listed from the job index (job-index.ts), not from here.
   */
  job: (id: string) => `job:${id}|record`,
  /**
   * A job's chunked upload in progress, one per blob, target and owner (the job that opened it); a group per
   * target repository, so copies into one registry spread over its repositories' objects.
   */
  upload: (registry: string, repository: string, digest: string, owner: string) =>
    `uploads:${registry}/${repository}|${digest}#${owner}`,
  uploadsInto: (registry: string, repository: string) => `uploads:${registry}/${repository}|`,
  /** One token exchange at a time per registry, credential and scope set. */
  /**
   * Audit records, a group per month (UTC): a month's object holds that month only and empties as its rows
   * expire, so none grows with time. Newest first inside: lists run in key order, so the key holds (max - time).
   */
  audit: (at: number, id: string) =>
    `${auditMonthPrefix(at)}${(MAX_TIMESTAMP - at).toString().padStart(16, '0')}:${id}`,
  auditMonth: (at: number) => auditMonthPrefix(at),
  /**
   * Where a version before 2026-12-07 kept jobs and audit records, all in one group each: read (a job taken
   * over into its own group) until they expire, a week and 400 days after that version.
   */
  legacyJob: (id: string) => `jobs|${id}`,
  legacyAuditPrefix: () => 'audit|',
  /**
   * Promotion rules managed through the API (those in the configuration are not stored), one name per owner:
   * the rules of one name sit together, so finding them reads no other rule.
   */
  rule: (name: string, owner: string) => `rules|${name}/${encodeURIComponent(owner)}`,
  rulesNamed: (name: string) => `rules|${name}/`,
  /** A rule stored before names were scoped per owner (its author is its owner). */
  unownedRule: (name: string) => `rules|${name}`,
  rulesPrefix: () => 'rules|',
  /** Sync sets written through the API (those of the configuration are not stored). */
  syncSet: (name: string) => `syncs|${name}`,
  syncSetsPrefix: () => 'syncs|',
  /**
   * A group per sync set: what the set wrote in each target repository (which tags, from which digests; prune
   * deletes no other), whether a run is under way, and its runs, newest first (the key holds max - time).
   */
  syncWritten: (set: string, target: string) => `sync:${set}|written:${target}`,
  syncRunning: (set: string) => `sync:${set}|running`,
  /** The last time of its schedule a set was started for (one dispatcher wins each). */
  syncScheduled: (set: string) => `sync:${set}|scheduled`,
  syncRun: (set: string, at: number, id: string) =>
    `sync:${set}|run:${(MAX_TIMESTAMP - at).toString().padStart(16, '0')}:${id}`,
  syncRuns: (set: string) => `sync:${set}|run:`,
  /**
   * An event on its way to a sink, until delivered; then, if it never was, a dead letter (newest first). A group
   * per sink: a slow receiver's backlog loads no other sink's object.
   */
  eventPending: (sink: string, id: string) => `events:${encodeURIComponent(sink)}|pending:${id}`,
  eventsPending: (sink: string) => `events:${encodeURIComponent(sink)}|pending:`,
  eventDead: (sink: string, at: number, id: string) =>
    `events:${encodeURIComponent(sink)}|dead:${(MAX_TIMESTAMP - at).toString().padStart(16, '0')}:${id}`,
  eventsDead: (sink: string) => `events:${encodeURIComponent(sink)}|dead:`,
  /** Event sinks admins added through the API (configured ones are not stored). */
  eventSink: (name: string) => `eventSinks|${name}`,
  eventSinksPrefix: () => 'eventSinks|',
  /** Registry entries managed through the API (configured ones are not stored). */
  registry: (host: string) => `registries|${host}`,
  registriesPrefix: () => 'registries|',
  /** The key that signs the registry front's tokens (src/http/front/tokens.ts), made once per deployment. */
  frontTokenKey: () => 'front|token-key',
  /** A console sign-in: which API key, until when (TTL). */
  consoleSession: (id: string) => `sessions|${id}`,
  /**
   * A job lane's slots (a tenant's, or a registry's: src/ops/jobs/lane-slots.ts), a group per lane: taking one
   * lane's slot loads no other lane's object. Encoded, since a tenant's name may hold any character.
   */
  lane: (name: string) => `slots:${encodeURIComponent(name)}|lane`,
  /** Until when a registry asked everyone to wait (429/503 with Retry-After). */
  backoff: (registry: string) => `backoff:${registry}|gate`,
  /** The highest version a monotonic rule promoted to a target tag: it never moves the tag below it. */
  promotedVersion: (rule: string, target: string, tag: string) => `monotonic:${rule}|${target}:${tag}`,
  /** A group (a Durable Object) per registry and credential: it makes their exchanges (tokens.ts). */
  tokenFlight: (registry: string, credentialId: string, scopeId: string) =>
    `tokens:${registry}:${credentialId}|${scopeId}`,
};
