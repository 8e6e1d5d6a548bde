// Registry authentication: Basic headers and the Bearer token flow (GET realm or OAuth2 POST), with a token cache.

import type { Credentials, RegistryIo } from './options.js';
import { AppError } from '../errors.js';
import type { Challenge } from './challenge.js';
import { computeDigest } from './digest.js';
import { performTokenRequest, tokenRequest } from './token-exchange.js';

export { basicAuthorization } from './token-exchange.js';
import type { IssuedToken, TokenStore } from './token-store.js';

export interface AuthScope {
  registryKey: string;
  credentials: Credentials | undefined;
  /** Validates the token realm the registry points us to. */
  checkRealm: (raw: string) => URL;
}

/** A stable, non-reversible id for a credential, so caches never hold the secret itself. */
export async function credentialId(registryKey: string, credentials: Credentials | undefined): Promise<string> {
  if (!credentials) return 'anonymous';
  const material = [
    registryKey,
    credentials.username,
    credentials.password,
    credentials.token,
    credentials.identityToken,
  ].join('\u0000');
  return (await computeDigest(new TextEncoder().encode(`ferry-credential\u0000${material}`))).slice(7, 39);
}

/** Merges scopes like "repository:a:pull" + "repository:a:push" into "repository:a:pull,push". */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const cut = scope.lastIndexOf(':');
    if (cut <= 0) continue;
    const resource = scope.slice(0, cut);
    const actions = byResource.get(resource) ?? new Set<string>();
    for (const action of scope.slice(cut + 1).split(',')) if (action) actions.add(action);
    byResource.set(resource, actions);
  }
  return [...byResource.entries()].map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`).sort();
}

export class TokenCache {
  readonly #memory = new Map<string, { token: string; expiresAt: number }>();
  // Callers in this isolate that need a token at the same time wait on one caller's request to the store: the
  // store decides between isolates and processes, and is asked once here, not polled by every waiter.
  readonly #asking = new Map<string, Promise<IssuedToken>>();

  constructor(
    private readonly deps: RegistryIo,
    private readonly store: TokenStore,
  ) {}

  async bearerToken(scope: AuthScope, challenge: Challenge, scopes: string[], fresh = false): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm)
      throw new AppError('UPSTREAM_PROTOCOL', `registry ${scope.registryKey} sent a Bearer challenge without a realm`);
    const service = challenge.params.service;
    const merged = mergeScopes(scopes);
    const credId = await credentialId(scope.registryKey, scope.credentials);
    const scopeId = (await computeDigest(new TextEncoder().encode([realm, service ?? '', ...merged].join(' ')))).slice(
      7,
      39,
    );
    const key = `${credId}:${scopeId}`;
    // `fresh`: the registry just rejected what we had, so skip the caches.
    const cached = fresh ? undefined : this.#memory.get(key);
    if (cached && cached.expiresAt > this.deps.now()) return cached.token;
    const asking = `${key}${fresh ? ':fresh' : ''}`;
    let issued = this.#asking.get(asking);
    if (!issued) {
      const request = tokenRequest(scope, scope.checkRealm(realm), service, merged, this.deps.deadlines);
      issued = this.store
        .obtain(
          { registryKey: scope.registryKey, credentialId: credId, scopeId },
          { request, run: () => performTokenRequest(this.deps, request) },
          fresh,
        )
        .finally(() => this.#asking.delete(asking));
      this.#asking.set(asking, issued);
    }
    const { token, expiresAt } = await issued;
    this.#memory.set(key, { token, expiresAt });
    return token;
  }
}
