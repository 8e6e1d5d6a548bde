// Ferry as an OIDC workload identity: it publishes discovery and its public keys under its public URL,
// and signs short-lived tokens that clouds (AWS STS, Google STS, Entra ID) exchange for credentials.
// Each token names one registry entry (`sub`) and one audience (`aud`), so a cloud's trust policy
// binds to that entry, never to "anything Ferry signs".

import { exportJWK, importPKCS8, SignJWT, type JWK } from 'jose';
import type { IdentityConfig } from './config/identity.js';
import { AppError } from './errors.js';

/** How long a token lives: long enough for one exchange, too short to be worth stealing. */
export const TOKEN_TTL_SECONDS = 300;

const imported = new WeakMap<IdentityConfig, Promise<{ kid: string; key: CryptoKey; jwk: JWK }[]>>();

function keysOf(identity: IdentityConfig) {
  let held = imported.get(identity);
  if (!held) {
    held = Promise.all(
      identity.keys.map(async ({ kid, pem }) => {
        const key = (await importPKCS8(pem, identity.algorithm, { extractable: true })) as CryptoKey;
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...jwk } = await exportJWK(key);
        return { kid, key, jwk: { ...jwk, kid, alg: identity.algorithm, use: 'sig' } };
      }),
    ).catch((error: unknown) => {
      imported.delete(identity);
      throw new AppError(
        'INVALID_CONFIG',
        `identity.keys: a private key does not load as ${identity.algorithm}: ` +
          `${error instanceof Error ? error.message : 'unreadable'}`,
      );
    });
    imported.set(identity, held);
  }
  return held;
}

/** `/.well-known/openid-configuration`. */
export function discoveryDocument(identity: IdentityConfig) {
  return {
    issuer: identity.issuer,
    jwks_uri: `${identity.issuer}/.well-known/jwks.json`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [identity.algorithm],
    claims_supported: ['sub', 'aud', 'iss', 'iat', 'exp', 'jti'],
  };
}

/** `/.well-known/jwks.json`: every configured key's public half, by id. */
export async function publicKeys(identity: IdentityConfig): Promise<{ keys: JWK[] }> {
  return { keys: (await keysOf(identity)).map((k) => k.jwk) };
}

/** The `sub` of tokens for a registry entry: what a cloud's trust policy names. */
export const registrySubject = (registryKey: string) => `registry:${registryKey}`;

/** A token for one registry entry and one audience, signed with the active key. */
export async function mintToken(
  identity: IdentityConfig,
  registryKey: string,
  audience: string,
  nowMs: number,
): Promise<string> {
  const active = (await keysOf(identity)).find((k) => k.kid === identity.activeKid)!;
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: identity.algorithm, kid: active.kid, typ: 'JWT' })
    .setIssuer(identity.issuer)
    .setSubject(registrySubject(registryKey))
    .setAudience(audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + TOKEN_TTL_SECONDS)
    .setJti(crypto.randomUUID())
    .sign(active.key);
}
