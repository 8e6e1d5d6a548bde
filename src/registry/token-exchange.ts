// One token exchange, as a request that can be written down (the realm, the grant, the credential) and the
// code that performs it and reads the answer: so the exchange runs where the caller is, or in the object that
// answers every caller of one scope (adapters/cloudflare/ferry-state.ts) from one exchange.

import { AppError } from '../errors.js';
import { BodyTooLargeError, readLimited } from './body.js';
import type { Credentials, Deadlines } from './options.js';
import { describeUrl, fetchWithRetry, type RetryDeps } from './retry.js';
import type { IssuedToken, TokenRequest } from './token-store.js';

// Token responses are small JSON documents; anything larger is not a token server.
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
// The distribution token spec: a missing or smaller expires_in means 60 seconds.
const MIN_TOKEN_SECONDS = 60;
const CLIENT_ID = 'ferry';

/** Docker's two grants: an identity token's OAuth2 refresh (ACR, some GAR setups), else a GET with Basic. */
export function tokenRequest(
  scope: { registryKey: string; credentials: Credentials | undefined },
  realm: URL,
  service: string | undefined,
  scopes: string[],
  deadlines: Deadlines | undefined,
): TokenRequest {
  const creds = scope.credentials;
  const base = { registryKey: scope.registryKey, realm: realm.toString(), ...(deadlines ? { deadlines } : {}) };
  if (creds?.identityToken) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: creds.identityToken,
      client_id: CLIENT_ID,
    });
    if (service) form.set('service', service);
    if (scopes.length) form.set('scope', scopes.join(' '));
    return {
      ...base,
      url: realm.toString(),
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    };
  }
  const url = new URL(realm);
  if (service) url.searchParams.set('service', service);
  for (const s of scopes) url.searchParams.append('scope', s);
  const headers: Record<string, string> = {};
  if (creds?.username) {
    url.searchParams.set('account', creds.username);
    headers.authorization = basicAuthorization(creds);
  }
  return { ...base, url: url.toString(), method: 'GET', headers };
}

export function basicAuthorization(credentials: Credentials): string {
  const bytes = new TextEncoder().encode(
    `${credentials.username ?? ''}:${credentials.password ?? credentials.token ?? ''}`,
  );
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** Sends the request (with its deadlines, retried when it may be) and reads the token it answers. */
export async function performTokenRequest(io: RetryDeps, request: TokenRequest): Promise<IssuedToken> {
  const realm = new URL(request.realm);
  const now = io.now();
  const response = await fetchWithRetry(
    { ...io, ...(request.deadlines ? { deadlines: request.deadlines } : {}) },
    new URL(request.url),
    {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
    },
    true,
  );
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new AppError(
      'UPSTREAM_UNAUTHORIZED',
      `token request to ${describeUrl(realm)} was refused (${response.status}): check the credentials configured ` +
        `for ${request.registryKey}`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AppError('UPSTREAM_UNAVAILABLE', `token request to ${describeUrl(realm)} failed with ${response.status}`);
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
  // Used up a little before the server says: clocks and the time in flight differ.
  return { token, expiresAt: now + expiresIn * 1000 - Math.min(30, Math.max(5, expiresIn / 10)) * 1000 };
}
