// The `promotion` part of the configuration: rules that say which source tags go to which targets, and how.

import { AppError } from './errors.js';

export interface TagFilter {
  match?: string;
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
  /** Copy cosign-style `sha256-<hex>.sig/.att/.sbom` tags and OCI referrers (API or tag fallback) along. */
  copyReferrers: boolean;
  /** Refuse to promote an image that has neither a `.sig` tag nor a signature referrer. */
  requireSignature: boolean;
}

function fail(message: string): never {
  throw new AppError('INVALID_CONFIG', `invalid configuration: promotion.${message}`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseRules(value: unknown): PromotionRule[] {
  if (value === undefined) return [];
  if (!isRecord(value) || !Array.isArray(value.rules)) fail('expected {"rules": [...]}');
  const names = new Set<string>();
  return (value.rules as unknown[]).map((r, i) => {
    const where = `rules[${i}]`;
    if (!isRecord(r)) fail(`${where}: expected an object`);
    if (typeof r.name !== 'string' || !r.name || names.has(r.name)) fail(`${where}.name: expected a unique name`);
    names.add(r.name);
    const source = r.source;
    if (!isRecord(source) || typeof source.repository !== 'string' || !source.repository.includes('/')) fail(`${where}.source.repository: expected "registry/repository"`);
    const tags = (source.tags ?? {}) as Record<string, unknown>;
    if (!isRecord(tags) || Object.keys(tags).some((k) => !['match', 'semver', 'exact'].includes(k)) || Object.values(tags).some((t) => typeof t !== 'string')) {
      fail(`${where}.source.tags: expected {"match"|"semver"|"exact": "..."}`);
    }
    if (typeof tags.match === 'string') {
      try {
        new RegExp(tags.match);
      } catch {
        fail(`${where}.source.tags.match: not a regular expression`);
      }
    }
    if (!Array.isArray(r.targets) || r.targets.length === 0) fail(`${where}.targets: expected at least one target`);
    const targets = (r.targets as unknown[]).map((t, j): PromotionTarget => {
      if (!isRecord(t) || typeof t.repository !== 'string' || !t.repository.includes('/') || /[*?]/.test(t.repository)) fail(`${where}.targets[${j}].repository: expected "registry/repository"`);
      if (!Array.isArray(t.tags) || t.tags.length === 0 || t.tags.some((x) => typeof x !== 'string')) fail(`${where}.targets[${j}].tags: expected tag templates`);
      return { repository: t.repository, tags: t.tags as string[] };
    });
    for (const flag of ['mutable', 'copyReferrers', 'requireSignature']) {
      if (r[flag] !== undefined && typeof r[flag] !== 'boolean') fail(`${where}.${flag}: expected a boolean`);
    }
    return {
      name: r.name,
      source: { repository: source.repository, tags: tags as TagFilter },
      targets,
      mutable: r.mutable === true,
      copyReferrers: r.copyReferrers === true,
      requireSignature: r.requireSignature === true,
    };
  });
}
