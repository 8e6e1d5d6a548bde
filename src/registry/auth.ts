// Registry authentication: Basic headers and the Bearer token flow (GET realm or OAuth2 POST), with a token cache.

import type { Credentials, RegistryIo } from './options.js';
import { AppError } from '../errors.js';
import { BodyTooLargeError, readLimited } from './body.js';
import type { Challenge } from './challenge.js';
import { computeDigest } from './digest.js';
import { describeUrl, fetchWithRetry } from './retry.js';
import type { IssuedToken, TokenStore } from './token-store.js';

// Token responses are small JSON documents; anything larger is not a token server.
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
// The distribution token spec: a missing or smaller expires_in means 60 seconds.
const MIN_TOKEN_SECONDS = 60;
const CLIENT_ID = 'ferry';

export interface AuthScope {
  registryKey: string;
  credentials: Credentials | undefined;
  /** Validates the token realm the registry points us to. */
  checkRealm: (raw: string) => URL;
}

export function basicAuthorization(credentials: Credentials): string {
  const bytes = new TextEncoder().encode(
    `${credentials.username ?? ''}:${credentials.password ?? credentials.token ?? ''}`,
  );
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
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
      issued = this.store
        .obtain(
          { registryKey: scope.registryKey, credentialId: credId, scopeId },
          async () => {
            const now = this.deps.now();
            const { token, expiresIn } = await this.#exchange(scope, scope.checkRealm(realm), service, merged);
            return { token, expiresAt: now + expiresIn * 1000 - Math.min(30, Math.max(5, expiresIn / 10)) * 1000 };
          },
          fresh,
        )
        .finally(() => this.#asking.delete(asking));
      this.#asking.set(asking, issued);
    }
    const { token, expiresAt } = await issued;
    this.#memory.set(key, { token, expiresAt });
    return token;
  }

  async #exchange(
    scope: AuthScope,
    realm: URL,
    service: string | undefined,
    scopes: string[],
  ): Promise<{ token: string; expiresIn: number }> {
    const creds = scope.credentials;
    let response: Response;
    if (creds?.identityToken) {
      // OAuth2 refresh-token grant, as Docker sends for identity tokens (ACR, some GAR setups).
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: CLIENT_ID,
      });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      response = await fetchWithRetry(
        this.deps,
        realm,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          redirect: 'manual',
        },
        true,
      );
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds?.username) {
        url.searchParams.set('account', creds.username);
        headers.authorization = basicAuthorization(creds);
      }
      response = await fetchWithRetry(this.deps, url, { headers, redirect: 'manual' }, true);
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new AppError(
        'UPSTREAM_UNAUTHORIZED',
        `token request to ${describeUrl(realm)} was refused (${response.status}): check the credentials configured ` +
          `for ${scope.registryKey}`,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AppError(
        'UPSTREAM_UNAVAILABLE',
        `token request to ${describeUrl(realm)} failed with ${response.status}`,
      );
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(new TextDecoder().decode(await readLimited(response, MAX_TOKEN_RESPONSE_BYTES))) as Record<
        string,
        unknown
      >;
    } catch (cause) {
      const why = cause instanceof BodyTooLargeError ? 'is too large' : 'is not JSON';
      throw new AppError('UPSTREAM_PROTOCOL', `token response from ${describeUrl(realm)} ${why}`);
    }
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof token !== 'string' || !token)
      throw new AppError('UPSTREAM_PROTOCOL', `token response from ${describeUrl(realm)} has no token`);
    const expiresIn =
      typeof body.expires_in === 'number' && body.expires_in > MIN_TOKEN_SECONDS ? body.expires_in : MIN_TOKEN_SECONDS;
    return { token, expiresIn };
  }
}
