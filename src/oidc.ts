// Tokens of a configured OIDC issuer, verified with jose against the issuer's keys (JWKS fetched through
// Deps, capped, and kept in KV): callers' tokens, Cloudflare Access assertions, Pub/Sub push tokens.

import { createRemoteJWKSet, customFetch, errors as joseErrors, jwksCache, jwtVerify, type JWTPayload } from 'jose';
import type { OidcIssuer } from './config/callers.js';
import type { Deps } from './deps.js';
import { AppError } from './errors.js';
import { cacheRead, cacheWrite } from './kv/cache.js';
import { getJwks, putJwks, type JwksRecord } from './kv/records.js';
import { computeDigest } from './registry/digest.js';

// JWKS documents are small; a bigger answer is not one.
const MAX_JWKS_BYTES = 256 * 1024;

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
    throw new AppError('UNAUTHENTICATED', `the token was rejected: ${describeJoseError(error)}`);
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
    // The issuer's keys are an upstream request like any other: the configured headers deadline bounds it.
    timeoutDuration: deps.config.deadlines.headersMs,
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
