// Who is calling: an API key (SHA-256 compared in constant time) or an OIDC JWT verified with jose.

import { decodeJwt } from 'jose';
import type { Caller, OidcIssuer } from '../config/callers.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { constantTimeEqual } from '../constant-time.js';
import { verifyIssuerToken } from '../oidc.js';
import { computeDigest } from '../registry/digest.js';

function unauthenticated(message: string): AppError {
  return new AppError('UNAUTHENTICATED', message);
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
