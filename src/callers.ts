// The `callers` part of the configuration: who may call Ferry (API keys, OIDC issuers) and what each may do.

import { AppError } from './errors.js';

export type Action = 'inspect' | 'copy' | 'promote' | 'admin';
export const ACTIONS: readonly Action[] = ['inspect', 'copy', 'promote', 'admin'];

export interface ApiKeyCaller {
  name: string;
  /** Lowercase hex SHA-256 of the key: the key itself is never configured. */
  sha256: string;
}

export interface OidcIssuer {
  issuer: string;
  jwksUri: string;
  audience: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  maxTokenAgeSeconds: number;
  /** Seconds between JWKS refreshes caused by an unknown `kid`. */
  jwksCooldownSeconds: number;
}

export interface Grant {
  /** The grant applies to the API key of this name ... */
  apiKey?: string;
  /** ... or to tokens of this issuer whose claims equal every value here (stable claims, exact match). */
  issuer?: string;
  claims?: Record<string, string | number | boolean>;
  actions: Action[];
  /** Globs over "registry/repository": `*` stays within a path segment, `**` crosses them. */
  repositories: string[];
}

export interface CallersConfig {
  /** Every request is the caller "anonymous" with every grant: for `npm start` on loopback only. */
  anonymous: boolean;
  apiKeys: ApiKeyCaller[];
  oidc: OidcIssuer[];
  grants: Grant[];
}

// RS256 and ES256 only: HS* would let anyone holding the public key mint tokens.
const DEFAULT_ALGORITHMS = ['RS256', 'ES256'];
const ALLOWED_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA']);
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
const DEFAULT_MAX_TOKEN_AGE_SECONDS = 3600;
const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;

export const NO_CALLERS: CallersConfig = { anonymous: false, apiKeys: [], oidc: [], grants: [] };

function fail(message: string): never {
  throw new AppError('INVALID_CONFIG', `invalid configuration: callers.${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function only(where: string, value: Record<string, unknown>, keys: string[]): void {
  for (const k of Object.keys(value)) if (!keys.includes(k)) fail(`${where}: unknown field "${k}"`);
}

function seconds(where: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${where}: expected seconds >= 0`);
  return value;
}

export function parseCallers(value: unknown, resolveSecret: (where: string, value: unknown) => string): CallersConfig {
  if (value === undefined) return NO_CALLERS;
  if (!isRecord(value)) fail('expected an object');
  only('', value, ['anonymous', 'apiKeys', 'oidc', 'grants']);
  if (value.anonymous !== undefined && typeof value.anonymous !== 'boolean') fail('anonymous: expected a boolean');

  const apiKeys = (value.apiKeys ?? []) as unknown[];
  if (!Array.isArray(apiKeys)) fail('apiKeys: expected an array');
  const keys = apiKeys.map((k, i): ApiKeyCaller => {
    if (!isRecord(k)) fail(`apiKeys[${i}]: expected an object`);
    only(`apiKeys[${i}]`, k, ['name', 'sha256']);
    if (typeof k.name !== 'string' || !k.name) fail(`apiKeys[${i}].name: expected a name`);
    const hash = resolveSecret(`callers.apiKeys[${i}].sha256`, k.sha256).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hash)) fail(`apiKeys[${i}].sha256: expected 64 hex characters (the SHA-256 of the key)`);
    return { name: k.name, sha256: hash };
  });

  const oidc = (value.oidc ?? []) as unknown[];
  if (!Array.isArray(oidc)) fail('oidc: expected an array');
  const issuers = oidc.map((o, i): OidcIssuer => {
    const where = `oidc[${i}]`;
    if (!isRecord(o)) fail(`${where}: expected an object`);
    only(where, o, ['issuer', 'jwksUri', 'audience', 'algorithms', 'clockToleranceSeconds', 'maxTokenAgeSeconds', 'jwksCooldownSeconds']);
    if (typeof o.issuer !== 'string' || !o.issuer) fail(`${where}.issuer: expected the issuer URL`);
    if (typeof o.audience !== 'string' || !o.audience) fail(`${where}.audience: expected the exact audience`);
    const jwksUri = o.jwksUri ?? `${o.issuer.replace(/\/$/, '')}/.well-known/jwks`;
    if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri)) fail(`${where}.jwksUri: expected a URL`);
    const algorithms = (o.algorithms ?? DEFAULT_ALGORITHMS) as unknown[];
    if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => typeof a !== 'string' || !ALLOWED_ALGORITHMS.has(a))) {
      fail(`${where}.algorithms: expected asymmetric algorithms from ${[...ALLOWED_ALGORITHMS].join(', ')}`);
    }
    return {
      issuer: o.issuer,
      jwksUri,
      audience: o.audience,
      algorithms: algorithms as string[],
      clockToleranceSeconds: seconds(`${where}.clockToleranceSeconds`, o.clockToleranceSeconds, DEFAULT_CLOCK_TOLERANCE_SECONDS),
      maxTokenAgeSeconds: seconds(`${where}.maxTokenAgeSeconds`, o.maxTokenAgeSeconds, DEFAULT_MAX_TOKEN_AGE_SECONDS),
      jwksCooldownSeconds: seconds(`${where}.jwksCooldownSeconds`, o.jwksCooldownSeconds, DEFAULT_JWKS_COOLDOWN_SECONDS),
    };
  });

  const rawGrants = (value.grants ?? []) as unknown[];
  if (!Array.isArray(rawGrants)) fail('grants: expected an array');
  const grants = rawGrants.map((g, i): Grant => {
    const where = `grants[${i}]`;
    if (!isRecord(g)) fail(`${where}: expected an object`);
    only(where, g, ['apiKey', 'issuer', 'claims', 'actions', 'repositories']);
    if ((g.apiKey === undefined) === (g.issuer === undefined)) fail(`${where}: name either an apiKey or an issuer`);
    if (g.apiKey !== undefined && !keys.some((k) => k.name === g.apiKey)) fail(`${where}.apiKey: no API key is named "${String(g.apiKey)}"`);
    if (g.issuer !== undefined && !issuers.some((o) => o.issuer === g.issuer)) fail(`${where}.issuer: "${String(g.issuer)}" is not in callers.oidc`);
    if (g.claims !== undefined && (!isRecord(g.claims) || Object.values(g.claims).some((v) => !['string', 'number', 'boolean'].includes(typeof v)))) {
      fail(`${where}.claims: expected claim names mapped to exact values`);
    }
    if (g.issuer !== undefined && (g.claims === undefined || Object.keys(g.claims).length === 0)) {
      fail(`${where}.claims: a grant to an issuer must name claims (otherwise every token of that issuer would match)`);
    }
    const actions = g.actions as unknown[];
    if (!Array.isArray(actions) || actions.length === 0 || actions.some((a) => !ACTIONS.includes(a as Action))) fail(`${where}.actions: expected some of ${ACTIONS.join(', ')}`);
    const repositories = g.repositories as unknown[];
    if (!Array.isArray(repositories) || repositories.length === 0 || repositories.some((r) => typeof r !== 'string' || !r.includes('/'))) {
      fail(`${where}.repositories: expected globs like "ghcr.io/org/**"`);
    }
    return {
      ...(g.apiKey !== undefined ? { apiKey: g.apiKey as string } : {}),
      ...(g.issuer !== undefined ? { issuer: g.issuer as string, claims: g.claims as Record<string, string | number | boolean> } : {}),
      actions: actions as Action[],
      repositories: repositories as string[],
    };
  });

  return { anonymous: value.anonymous === true, apiKeys: keys, oidc: issuers, grants };
}
