// The `syncs` part of the configuration: named sets of repositories mirrored into a target registry, with
// the tags each run selects, whether signatures and SBOMs travel, and whether the target is pruned. The same
// schema checks a set written through `PUT /v1/syncs/<name>`.

import { z } from 'zod';
import { cronProblem } from '../cron.js';
import { compilePattern, PatternError } from '../patterns.js';
import { parseRepositoryName } from '../reference.js';
import { rangeProblem } from '../semver.js';
import type { ConfigProblems } from './problems.js';
import { HOST_KEY, positiveInt } from './values.js';

const SET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const PLATFORM = /^[a-z0-9_.-]+\/[a-z0-9_.-]+(\/[a-z0-9_.-]+)?$/i;
const host = z.string().regex(HOST_KEY, 'expected host[:port]');

/**
 * The target path a set writes each source repository to: `{repository}` and `{registry}` are filled in. A set
 * of one repository may name its place outright.
 */
export const DEFAULT_TARGET_PATH = '{repository}';

export const SyncTagsSchema = z.strictObject({
  /** An unanchored RE2 search over tags, as skopeo sync's images-by-tag-regex; ^...$ for a full match. */
  regex: z.string().optional(),
  /** Tags this RE2 search finds are left out (RE2 has no lookahead to say it in `regex`). */
  exclude: z.string().optional(),
  /** Tags that are versions in this range (npm's grammar: ^1.2, ~1.2.3, >=1 <2, 1.x, a || b). */
  semver: z.string().optional(),
  /**
   * Of what is left, the newest `count`: by version (tags that are no version are left out), or by the
   * image's created time (its config's; an index's annotation, else its newest image's).
   */
  newest: z.strictObject({ count: positiveInt(1, 'a count'), by: z.enum(['semver', 'created']).optional() }).optional(),
  /** Only images created at or after this time (RFC 3339, "2026-01-01T00:00:00Z"). */
  since: z
    .string()
    .refine((v) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(v) && !Number.isNaN(Date.parse(v)), {
      error: 'expected a date or time as RFC 3339 writes it ("2026-01-01" or "2026-01-01T00:00:00Z")',
    })
    .optional(),
});

export const SyncSetBodySchema = z.strictObject({
  sources: z
    .array(
      z
        .strictObject({
          registry: host,
          repositories: z.array(z.string().min(1)).min(1, 'expected at least one repository').optional(),
          /** Every repository of the registry's catalog whose name starts so ("team/"), found each run. */
          prefix: z
            .string()
            .regex(/^[a-z0-9]+([._/-][a-z0-9]+)*\/$/, 'expected a repository path ending in /')
            .optional(),
        })
        .refine((s) => (s.repositories === undefined) !== (s.prefix === undefined), {
          error: 'expected "repositories" or a catalog "prefix", one of them',
        }),
    )
    .min(1, 'expected at least one source'),
  target: z.strictObject({
    registry: host,
    /** Where each source repository goes in the target registry (default "{repository}"; literal for one). */
    path: z.string().min(1).optional(),
  }),
  tags: SyncTagsSchema.optional(),
  platforms: z
    .union([z.literal('all'), z.array(z.string().regex(PLATFORM, 'must look like os/arch[/variant]')).min(1)])
    .optional(),
  /** Signatures, attestations and SBOMs travel (on by default), or only those of some artifact types. */
  referrers: z.union([z.boolean(), z.strictObject({ artifactTypes: z.array(z.string().min(1)).min(1) })]).optional(),
  /** Delete at the target the tags this set wrote that it selects no more (off by default). */
  prune: z.boolean().optional(),
  /** When it runs by itself: a cron schedule in UTC ("0 * * * *": hourly), five fields or six with seconds. */
  schedule: z.string().min(1).optional(),
});

export const SyncSetSchema = SyncSetBodySchema.extend({
  name: z.string().regex(SET_NAME, 'sync set names are 1-64 of A-Z a-z 0-9 _ . -'),
});

export type SyncSetDocument = z.infer<typeof SyncSetSchema>;
export type SyncTags = z.infer<typeof SyncTagsSchema>;

/** A set as it runs: every default filled in. */
export interface SyncSource {
  registry: string;
  /** The repositories named; empty for a catalog prefix. */
  repositories: string[];
  /** Every repository of the registry's catalog whose name starts so, found each run. */
  prefix?: string;
}

export interface SyncSet {
  name: string;
  sources: SyncSource[];
  target: { registry: string; path: string };
  tags: SyncTags;
  platforms: 'all' | string[];
  referrers: false | { artifactTypes?: string[] };
  prune: boolean;
  schedule?: string;
}

/** The name of a set is a path segment and a key: checked wherever one arrives. */
export const isSyncSetName = (name: string) => SET_NAME.test(name);

/** A schema-checked set with its patterns, ranges and target names checked where it is written. */
export function buildSyncSet(doc: SyncSetDocument, where: string, problems: ConfigProblems): SyncSet {
  const tags = doc.tags ?? {};
  for (const key of ['regex', 'exclude'] as const) {
    const pattern = tags[key];
    if (pattern === undefined) continue;
    try {
      compilePattern(pattern);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      problems.add(`${where}.tags.${key}`, error.message);
    }
  }
  const range = tags.semver !== undefined ? rangeProblem(tags.semver) : undefined;
  if (range) problems.add(`${where}.tags.semver`, range);
  const schedule = doc.schedule !== undefined ? cronProblem(doc.schedule) : undefined;
  if (schedule) problems.add(`${where}.schedule`, schedule);
  const path = doc.target.path ?? DEFAULT_TARGET_PATH;
  const repositories = doc.sources.reduce((n, s) => n + (s.prefix !== undefined ? 2 : s.repositories!.length), 0);
  if (!path.includes('{repository}') && repositories > 1)
    problems.add(`${where}.target.path`, 'expected {repository} in it: each source repository needs a place');
  for (const [i, source] of doc.sources.entries())
    for (const [j, repository] of (source.repositories ?? []).entries()) {
      const named = repositoryProblem(source.registry, repository);
      if (named) problems.add(`${where}.sources[${i}].repositories[${j}]`, named);
      else if (repositoryProblem(doc.target.registry, targetRepository(path, source.registry, repository)))
        problems.add(`${where}.target.path`, `names no repository for "${repository}"`);
    }
  return {
    name: doc.name,
    sources: doc.sources.map((s) => ({
      registry: s.registry,
      repositories: [...new Set(s.repositories ?? [])],
      ...(s.prefix !== undefined ? { prefix: s.prefix } : {}),
    })),
    target: { registry: doc.target.registry, path },
    tags,
    platforms: doc.platforms ?? 'all',
    referrers:
      doc.referrers === false ? false : doc.referrers === undefined || doc.referrers === true ? {} : doc.referrers,
    prune: doc.prune === true,
    ...(doc.schedule !== undefined ? { schedule: doc.schedule } : {}),
  };
}

// A repository as written, or why it is none (a registry would read "Library/x" or "a//b" otherwise).
function repositoryProblem(registry: string, repository: string): string | undefined {
  try {
    const named = parseRepositoryName(`${registry}/${repository}`).repository;
    return named === repository ? undefined : `"${repository}" is read as "${named}": write that`;
  } catch (error) {
    return error instanceof Error ? error.message : `"${repository}" is not a repository name`;
  }
}

/** Where a source repository goes at the target: the path with `{repository}` and `{registry}` filled in. */
export function targetRepository(path: string, registry: string, repository: string): string {
  return path.replaceAll('{repository}', repository).replaceAll('{registry}', registry.replace(/:\d+$/, ''));
}

// A source's repositories as names, or a catalog prefix's as the glob that covers them.
const namesOf = (s: SyncSource) => (s.prefix !== undefined ? [`${s.prefix}**`] : s.repositories);

/** Every "registry/repository" a set reads (a glob for a catalog prefix). */
export function syncSetSources(set: SyncSet): string[] {
  return set.sources.flatMap((s) => namesOf(s).map((r) => `${s.registry}/${r}`));
}

/** Every "registry/repository" a set writes (a glob for a catalog prefix). */
export function syncSetTargets(set: SyncSet): string[] {
  return set.sources.flatMap((s) =>
    namesOf(s).map((r) => `${set.target.registry}/${targetRepository(set.target.path, s.registry, r)}`),
  );
}

/** Every "registry/repository" a set reads or writes: whoever administers it must cover them all. */
export function syncSetRepositories(set: SyncSet): string[] {
  return [...syncSetSources(set), ...syncSetTargets(set)];
}
