// Who is calling: an API key (SHA-256 compared in constant time) or an OIDC JWT verified with jose.

import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  errors as joseErrors,
  jwksCache,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { Caller, OidcIssuer } from '../config/callers.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { cacheRead, cacheWrite } from '../kv/cache.js';
import { getJwks, putJwks, type JwksRecord } from '../kv/records.js';
import { computeDigest } from '../registry/digest.js';

// JWKS documents are small; a bigger answer is not one.
const MAX_JWKS_BYTES = 256 * 1024;

function unauthenticated(message: string): AppError {
  return new AppError('UNAUTHENTICATED', message);
}

/** Equal-length strings compared without an early exit, so timing does not reveal a prefix. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(token);

export async function authenticate(deps: Deps, authorization: string | undefined): Promise<Caller> {
  const callers = deps.config.callers;
  if (callers.anonymous) return { kind: 'anonymous', id: 'anonymous' };
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) throw unauthenticated('send Authorization: Bearer <API key or OIDC token>');
  const token = match[1]!;
  if (looksLikeJwt(token) && callers.oidc.length > 0) return verifyOidc(deps, token);
  const hash = (await computeDigest(new TextEncoder().encode(token))).slice('sha256:'.length);
  let found: string | undefined;
  for (const key of callers.apiKeys) if (constantTimeEqual(hash, key.sha256)) found = key.name; // no early exit
  if (found === undefined) throw unauthenticated('unknown or revoked API key');
  return { kind: 'apiKey', id: `key:${found}`, name: found };
}

async function verifyOidc(deps: Deps, token: string): Promise<Caller> {
  let issuerName: unknown;
  try {
    issuerName = decodeJwt(token).iss;
  } catch {
    throw unauthenticated('the token is not a readable JWT');
  }
  const issuer = deps.config.callers.oidc.find((o) => o.issuer === issuerName);
  if (!issuer) throw unauthenticated('the token comes from an issuer Ferry does not trust');
  return issuerCaller(deps, issuer, token);
}

/** The caller a token of one configured issuer stands for (verified first). */
export async function issuerCaller(deps: Deps, issuer: OidcIssuer, token: string): Promise<Caller> {
  const payload = await verifyIssuerToken(deps, issuer, token);
  return { kind: 'oidc', id: `${issuer.issuer}#${String(payload.sub ?? '')}`, issuer: issuer.issuer, claims: payload };
}

/** Verifies a JWT from one configured issuer (callers, or a webhook sender such as Pub/Sub push). */
export async function verifyIssuerToken(deps: Deps, issuer: OidcIssuer, token: string): Promise<JWTPayload> {
  const keys = await jwksFor(deps, issuer);
  try {
    const { payload } = await jwtVerify(token, keys.getter, {
      issuer: issuer.issuer,
      audience: issuer.audience,
      algorithms: issuer.algorithms,
      clockTolerance: issuer.clockToleranceSeconds,
      maxTokenAge: issuer.maxTokenAgeSeconds,
      requiredClaims: ['exp', 'iat'],
      currentDate: new Date(deps.now()),
    });
    return payload;
  } catch (error) {
    throw unauthenticated(`the token was rejected: ${describeJoseError(error)}`);
  } finally {
    keys.persist(deps);
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `claim "${error.claim}" is not acceptable (${error.reason})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer matches it';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof joseErrors.JOSEError) return error.code;
  return 'the issuer keys could not be fetched';
}

interface IssuerKeys {
  getter: ReturnType<typeof createRemoteJWKSet>;
  /** Writes jose's refetched key set to KV, after the response of the request `deps` belongs to. */
  persist(deps: Deps): void;
}

// Resolved key sets only, per configuration (so per isolate): never a Promise one request made and another
// awaits, and a failed load is simply tried again by the next request.
const keySets = new WeakMap<object, Map<string, IssuerKeys>>();

/** One jose key set per issuer per configuration, seeded from KV and written back when jose refetched it. */
async function jwksFor(deps: Deps, issuer: OidcIssuer): Promise<IssuerKeys> {
  let byIssuer = keySets.get(deps.config);
  if (!byIssuer) keySets.set(deps.config, (byIssuer = new Map()));
  const held = byIssuer.get(issuer.jwksUri);
  if (held) return held;
  const keys = await loadKeys(deps, issuer);
  byIssuer.set(issuer.jwksUri, keys);
  return keys;
}

async function loadKeys(deps: Deps, issuer: OidcIssuer): Promise<IssuerKeys> {
  const id = (await computeDigest(new TextEncoder().encode(issuer.jwksUri))).slice(7, 39);
  const stored = await cacheRead(deps, 'jwks', () => getJwks(deps.kv, id));
  const cache: Partial<JwksRecord> = stored ? { ...stored } : {};
  let savedUat = cache.uat;
  const getter = createRemoteJWKSet(new URL(issuer.jwksUri), {
    cooldownDuration: issuer.jwksCooldownSeconds * 1000,
    [jwksCache]: cache as { jwks: never; uat: number },
    [customFetch]: async (url: string, options: RequestInit) => {
      const response = await deps.fetch(url, { ...options, redirect: 'manual' });
      const length = Number(response.headers.get('content-length') ?? 0);
      if (length > MAX_JWKS_BYTES) {
        await response.body?.cancel();
        throw new Error('JWKS response too large');
      }
      return response;
    },
  });
  return {
    getter,
    persist(deps) {
      if (cache.uat !== undefined && cache.uat !== savedUat && cache.jwks) {
        savedUat = cache.uat;
        const record = { jwks: cache.jwks, uat: cache.uat };
        cacheWrite(deps, 'jwks', `jwks:${id}`, () => putJwks(deps.kv, id, record));
      }
    },
  };
}
