// What a caller may do: grants of actions on repository globs, matched on API key names or exact token claims.

import type { Action, CallersConfig, Grant } from '../callers.js';
import { AppError } from '../errors.js';
import { repositoryGlob } from '../glob.js';
import type { Caller } from './auth.js';

function grantApplies(grant: Grant, caller: Caller): boolean {
  if (caller.kind === 'apiKey') return grant.apiKey === caller.name;
  if (caller.kind === 'oidc') {
    if (grant.issuer !== caller.issuer || !grant.claims) return false;
    return Object.entries(grant.claims).every(([name, value]) => caller.claims[name] === value);
  }
  return false;
}

export function isAllowed(callers: CallersConfig, caller: Caller, action: Action, repository: string): boolean {
  if (caller.kind === 'anonymous') return callers.anonymous;
  return callers.grants.some(
    (g) => grantApplies(g, caller) && (g.actions.includes(action) || g.actions.includes('admin')) && g.repositories.some((r) => repositoryGlob(r).test(repository)),
  );
}

/** Throws FORBIDDEN naming the grant that is missing. */
export function requireGrant(callers: CallersConfig, caller: Caller, action: Action, repository: string): void {
  if (isAllowed(callers, caller, action, repository)) return;
  throw new AppError('FORBIDDEN', `caller ${caller.id} has no "${action}" grant on ${repository}`, {
    details: { missingGrant: { action, repository } },
  });
}

/** Admin routes are not about one repository: any grant with "admin" that applies to the caller. */
export function isAdmin(callers: CallersConfig, caller: Caller): boolean {
  return caller.kind === 'anonymous' ? callers.anonymous : callers.grants.some((g) => grantApplies(g, caller) && g.actions.includes('admin'));
}

export function requireAdmin(callers: CallersConfig, caller: Caller): void {
  if (isAdmin(callers, caller)) return;
  throw new AppError('FORBIDDEN', `caller ${caller.id} has no "admin" grant`, { details: { missingGrant: { action: 'admin' } } });
}
