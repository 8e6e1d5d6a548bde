// What a caller may do: grants of actions on repository globs, matched on API key names or exact token
// claims. `admin` on a glob is every action on those repositories and nothing beyond them: a job, an
// audit record or a rule is an admin's only when the admin's grants cover every repository it names.

import type { Action, Caller, CallersConfig, Grant } from './config/callers.js';
import { AppError } from './errors.js';
import { repositoryGlob } from './glob.js';
import { normalizeRegistryHost } from './reference.js';
import { ruleRepositories, type PromotionRule } from './config/rules.js';

function grantApplies(grant: Grant, caller: Caller): boolean {
  if (caller.kind === 'apiKey') return grant.apiKey === caller.name;
  if (caller.kind === 'oidc') {
    if (grant.issuer !== caller.issuer || !grant.claims) return false;
    return Object.entries(grant.claims).every(([name, value]) => caller.claims[name] === value);
  }
  return false;
}

function grantsFor(callers: CallersConfig, caller: Caller, action: Action): Grant[] {
  return callers.grants.filter(
    (g) => grantApplies(g, caller) && (g.actions.includes(action) || g.actions.includes('admin')),
  );
}

export function isAllowed(callers: CallersConfig, caller: Caller, action: Action, repository: string): boolean {
  if (caller.kind === 'anonymous') return callers.anonymous;
  return grantsFor(callers, caller, action).some((g) => g.repositories.some((r) => repositoryGlob(r).test(repository)));
}

/** Throws FORBIDDEN naming the grant that is missing. */
export function requireGrant(callers: CallersConfig, caller: Caller, action: Action, repository: string): void {
  if (isAllowed(callers, caller, action, repository)) return;
  throw new AppError('FORBIDDEN', `caller ${caller.id} has no "${action}" grant on ${repository}`, {
    details: { missingGrant: { action, repository } },
  });
}

/** A rule's target template (`prod/{repository}`) as the glob of every repository it can name (`prod/**`). */
export function templateGlob(template: string): string {
  const brace = template.indexOf('{');
  if (brace === -1) return template;
  const cut = template.lastIndexOf('/', brace);
  return `${template.slice(0, cut)}/**`;
}

function segmentCovers(wide: string, narrow: string): boolean {
  if (wide === narrow || wide === '*') return !narrow.includes('**');
  if (wide.includes('**') || narrow.includes('**')) return false;
  const stars = wide.split('*').length - 1;
  if (stars === 0) return false;
  if (!narrow.includes('*'))
    return new RegExp(
      `^${wide
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*')}$`,
    ).test(narrow);
  // Both have stars: "pre*suf" covers whatever starts with pre and ends with suf.
  if (stars !== 1) return false;
  const [pre = '', suf = ''] = wide.split('*');
  return narrow.length >= pre.length + suf.length && narrow.startsWith(pre) && narrow.endsWith(suf);
}

function segmentsCover(wide: string[], narrow: string[]): boolean {
  if (wide.length === 0) return narrow.length === 0;
  const [head, ...rest] = wide as [string, ...string[]];
  if (head === '**') return segmentsCover(rest, narrow) || (narrow.length > 0 && segmentsCover(wide, narrow.slice(1)));
  if (narrow.length === 0 || narrow[0] === '**') return false;
  return segmentCovers(head, narrow[0]!) && segmentsCover(rest, narrow.slice(1));
}

/** Whether every repository `narrow` matches is matched by `wide`: segment by segment at least as wide. */
export function globCovers(wide: string, narrow: string): boolean {
  const split = (glob: string) => {
    const slash = glob.indexOf('/');
    return [normalizeRegistryHost(glob.slice(0, slash)), ...glob.slice(slash + 1).split('/')];
  };
  return segmentsCover(split(wide), split(narrow));
}

/** Whether the caller holds `action` on every repository the glob (or template) can name. */
export function coversGlob(callers: CallersConfig, caller: Caller, action: Action, glob: string): boolean {
  if (caller.kind === 'anonymous') return callers.anonymous;
  const wanted = templateGlob(glob);
  return grantsFor(callers, caller, action).some((g) => g.repositories.some((r) => globCovers(r, wanted)));
}

/** Admin over every one of `repositories` (repositories or globs): what a job, audit record or rule needs. */
export function isAdminOver(callers: CallersConfig, caller: Caller, repositories: string[]): boolean {
  return repositories.length > 0 && repositories.every((r) => coversGlob(callers, caller, 'admin', r));
}

/** Whether the caller holds `action` on any repository. */
export function holdsAnyGrant(callers: CallersConfig, caller: Caller, action: Action): boolean {
  return caller.kind === 'anonymous' ? callers.anonymous : grantsFor(callers, caller, action).length > 0;
}

/**
 * Whether the caller holds `action` anywhere: checked before a body is read, so a caller without any such
 * grant never makes Ferry read one; the admin routes then filter what each admin may see.
 */
export function requireAnyGrant(callers: CallersConfig, caller: Caller, action: Action): void {
  if (holdsAnyGrant(callers, caller, action)) return;
  throw new AppError('FORBIDDEN', `caller ${caller.id} has no "${action}" grant`, {
    details: { missingGrant: { action } },
  });
}

/** The repository globs the caller may read (inspect): what a copy may mount blobs from on its behalf. */
export function readScope(callers: CallersConfig, caller: Caller): string[] {
  if (caller.kind === 'anonymous') return callers.anonymous ? ['**/**'] : [];
  return grantsFor(callers, caller, 'inspect').flatMap((g) => g.repositories);
}

/** A predicate over "registry/repository" from globs (a stored read scope, a rule's source). */
export function matcherOf(globs: string[]): (repository: string) => boolean {
  const patterns = globs.map((g) => repositoryGlob(g));
  return (repository) => patterns.some((p) => p.test(repository));
}

/** Whether any of the caller's read grants reaches into `host` (its globs' first segment matches it). */
export function readsInRegistry(callers: CallersConfig, caller: Caller, host: string): boolean {
  return readScope(callers, caller).some((glob) => repositoryGlob(glob.slice(0, glob.indexOf('/'))).test(host));
}

/** What a copy may mount from on the caller's behalf, as a predicate. */
export function readableBy(callers: CallersConfig, caller: Caller): (repository: string) => boolean {
  return matcherOf(readScope(callers, caller));
}

/**
 * Whether the caller is a job's owner: same identity, one that names a subject (a token without `sub` owns nothing).
 */
export function ownsJob(caller: Caller, jobCaller: string): boolean {
  if (caller.kind === 'oidc' && (typeof caller.claims.sub !== 'string' || caller.claims.sub === '')) return false;
  return caller.id === jobCaller;
}

/** The first repository glob of the rule that the caller does not administer (undefined: it administers them all). */
export function ruleAdminGap(callers: CallersConfig, caller: Caller, rule: PromotionRule): string | undefined {
  return ruleRepositories(rule).find((glob) => !coversGlob(callers, caller, 'admin', glob));
}

/** Whether the caller is still one Ferry knows: a removed API key or issuer has no grants at all. */
function stillConfigured(callers: CallersConfig, caller: Caller): boolean {
  if (caller.kind === 'apiKey') return callers.apiKeys.some((k) => k.name === caller.name);
  if (caller.kind === 'oidc') return callers.oidc.some((o) => o.issuer === caller.issuer);
  return callers.anonymous;
}

/** What identifies an author later (a rule's, a sync set's), without the token's time claims. */
export function authorOf(caller: Caller): Caller {
  if (caller.kind !== 'oidc') return caller;
  const { exp: _exp, iat: _iat, nbf: _nbf, jti: _jti, ...claims } = caller.claims;
  return { ...caller, claims };
}

/** Whether an author is still configured and still administers every one of `repositories`, as grants are now. */
export function authorStillAdmin(callers: CallersConfig, author: Caller, repositories: string[]): boolean {
  return stillConfigured(callers, author) && isAdminOver(callers, author, repositories);
}

/**
 * Whether an author may be told of something about `all` repositories, `chosen` among them by what they asked
 * for: still configured, administering the chosen ones and able to read (inspect) every other, as grants are now.
 */
export function authorMayBeTold(callers: CallersConfig, author: Caller, chosen: string[], all: string[]): boolean {
  const reads = readableBy(callers, author);
  return authorStillAdmin(callers, author, chosen) && all.every(reads);
}

/**
 * A rule written through the API acts with its author's grants, as they are now: once the author no longer
 * administers every repository the rule names, its webhook promotions fail. Configured rules are the
 * operator's own and are exempt.
 */
export function requireAuthorGrants(callers: CallersConfig, rule: PromotionRule): void {
  if (!rule.author) return;
  const gap = stillConfigured(callers, rule.author) ? ruleAdminGap(callers, rule.author, rule) : rule.source.repository;
  if (gap === undefined) return;
  throw new AppError(
    'FORBIDDEN',
    `rule "${rule.name}": its author ${rule.author.id} no longer has "admin" over ${gap}`,
    {
      details: { rule: rule.name, missingGrant: { action: 'admin', repository: gap } },
    },
  );
}
