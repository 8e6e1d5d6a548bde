// The `promotion` part of the configuration: rules that say which source tags go to which targets, and how.

import type { Caller } from './callers.js';
import type { ConfigProblems } from './config.js';
import type { ConfigDocument } from './config-schema.js';
import { compilePattern, PatternError } from './patterns.js';

export interface TagFilter {
  /** An unanchored search (src/patterns.ts); a stored rule that still says `match` promotes nothing. */
  regex?: string;
  semver?: string;
  exact?: string;
}

export interface PromotionTarget {
  /** "registry/repository" */
  repository: string;
  /** Templates: literal tags, {tag}, {semver.major}, {semver.minor}, {semver.patch}. */
  tags: string[];
}

export interface PromotionRule {
  name: string;
  /** Glob over "registry/repository" (`*` within a segment, `**` across). */
  source: { repository: string; tags: TagFilter };
  targets: PromotionTarget[];
  /** false (default): a target tag that names another digest is a conflict; true: it moves, after a backup tag. */
  mutable: boolean;
  /** A semver rule that never moves a target tag to a lower version than the one it last promoted there. */
  monotonic: boolean;
  /** Copy cosign-style `sha256-<hex>.sig/.att/.sbom` tags and OCI referrers (API or tag fallback) along. */
  copyReferrers: boolean;
  /** Refuse to promote an image that has neither a `.sig` tag nor a signature referrer. */
  requireSignature: boolean;
  /**
   * Who wrote it through the API (absent for rules of the configuration): a webhook-triggered promotion by
   * this rule runs only while the author still holds the grants the rule needs.
   */
  author?: Caller;
}

type RuleDocument = NonNullable<ConfigDocument['promotion']>['rules'][number];

/** A schema-checked rule with its pattern compiled once (so a bad one is reported where it is written). */
export function buildRule(r: RuleDocument, where: string, problems: ConfigProblems): PromotionRule {
  const { match: _renamed, ...tags } = r.source.tags ?? {};
  if (tags.regex !== undefined) {
    try {
      compilePattern(tags.regex);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      problems.add(`${where}.source.tags.regex`, error.message);
    }
  }
  if (r.monotonic && tags.semver === undefined) problems.add(`${where}.monotonic`, 'needs a semver tag filter: versions are what it compares');
  return {
    name: r.name,
    source: { repository: r.source.repository, tags },
    targets: r.targets.map((t) => ({ repository: t.repository, tags: t.tags })),
    mutable: r.mutable === true,
    monotonic: r.monotonic === true,
    copyReferrers: r.copyReferrers === true,
    requireSignature: r.requireSignature === true,
  };
}

/** Every repository glob or target template a rule names: whoever administers it must cover them all. */
export function ruleRepositories(rule: PromotionRule): string[] {
  return [rule.source.repository, ...rule.targets.map((t) => t.repository)];
}
