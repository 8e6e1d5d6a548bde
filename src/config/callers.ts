// The `callers` part of the configuration: who may call Ferry (API keys, OIDC issuers) and what each may do.

import { z } from 'zod';
import type { ConfigProblems } from './problems.js';
import { HttpUrl, SecretValueSchema, seconds } from './values.js';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'] as const;
export const ACTION_NAMES = ['inspect', 'pull', 'copy', 'delete', 'promote', 'metrics', 'admin'] as const;

const GrantSchema = z.strictObject({
  apiKey: z.string().min(1).optional(),
  issuer: z.string().min(1).optional(),
  claims: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
      error: 'expected claim names mapped to exact values',
    })
    .optional(),
  actions: z
    .array(z.enum(ACTION_NAMES, { error: `expected some of ${ACTION_NAMES.join(', ')}` }))
    .min(1, `expected some of ${ACTION_NAMES.join(', ')}`),
  repositories: z
    .array(z.string().includes('/', { error: 'expected globs like "ghcr.io/org/**"' }))
    .min(1, 'expected globs like "ghcr.io/org/**"'),
});

export const CallersSchema = z.strictObject({
  anonymous: z.boolean().optional(),
  /**
   * Anonymous callers beyond loopback (a deployed worker, a server bound to a public address): every
   * request gets every grant. Refused unless this acknowledgement is set.
   */
  anonymousBeyondLoopback: z.literal('I understand that anyone who can reach Ferry can use every grant').optional(),
  apiKeys: z
    .array(z.strictObject({ name: z.string().min(1, 'expected a name'), sha256: SecretValueSchema }))
    .optional(),
  oidc: z
    .array(
      z.strictObject({
        issuer: z.string().min(1, 'expected the issuer URL'),
        jwksUri: HttpUrl.optional(),
        audience: z.string().min(1, 'expected the exact audience'),
        algorithms: z
          .array(z.enum(ALGORITHMS, { error: `expected asymmetric algorithms from ${ALGORITHMS.join(', ')}` }))
          .min(1, `expected asymmetric algorithms from ${ALGORITHMS.join(', ')}`)
          .optional(),
        clockToleranceSeconds: seconds(0).optional(),
        maxTokenAgeSeconds: seconds(0).optional(),
        jwksCooldownSeconds: seconds(0).optional(),
      }),
    )
    .optional(),
  grants: z.array(GrantSchema).optional(),
});

/**
 * `inspect` reads manifests, tags and referrers through the API; `pull` reads images whole, blobs too,
 * through the registry front (`/v2/`). Neither implies the other, and `copy` implies neither: a copy's
 * bytes go from registry to registry, never to its caller. `delete` removes tags and manifests at a registry
 * (copy implies no delete). `metrics` reads GET /metrics (a scraper's key: its repositories do not matter).
 * `admin` is every action.
 */
export type Action = (typeof ACTION_NAMES)[number];
export const ACTIONS: readonly Action[] = ACTION_NAMES;

/** Who is calling, once authenticated (http/auth.ts); `claims` are the verified token's. */
export type Caller =
  | { kind: 'anonymous'; id: 'anonymous' }
  | { kind: 'apiKey'; id: string; name: string }
  | { kind: 'oidc'; id: string; issuer: string; claims: Record<string, unknown> };

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
  /** The operator acknowledged anonymous callers beyond loopback (a deployed worker, a public bind). */
  anonymousBeyondLoopback: boolean;
  apiKeys: ApiKeyCaller[];
  oidc: OidcIssuer[];
  grants: Grant[];
}

// RS256 and ES256 only: HS* would let anyone holding the public key mint tokens (the schema allows asymmetric ones
// only).
const DEFAULT_ALGORITHMS = ['RS256', 'ES256'];
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
const DEFAULT_MAX_TOKEN_AGE_SECONDS = 3600;
const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;

export const NO_CALLERS: CallersConfig = {
  anonymous: false,
  anonymousBeyondLoopback: false,
  apiKeys: [],
  oidc: [],
  grants: [],
};

/**
 * The `callers` section, schema-checked, with secrets resolved and grants checked against the keys and issuers they
 * name.
 */
/**
 * Why nobody could call a service with these callers, or undefined. A local run (npm start, Node, Deno, Bun)
 * refuses to start on it: giving a configuration drops the local default's anonymous callers, and a service
 * that answers every request 401 is no use there. A deployed worker stays closed instead (its default).
 */
export function nobodyMayCall(callers: CallersConfig): string | undefined {
  if (callers.anonymous || callers.apiKeys.length || callers.oidc.length) return undefined;
  return (
    'no callers are configured, so every request would be refused (401). Add one of these to the configuration:\n' +
    '    "callers": {"anonymous": true}    (this machine only: every caller has every grant)\n' +
    '    "callers": {"apiKeys": [{"name": "me", "sha256": "<SHA-256 of a key, in hex>"}], ' +
    '"grants": [{"apiKey": "me", "actions": ["inspect", "copy"], "repositories": ["ghcr.io/acme/**"]}]}'
  );
}

/** Who may call, for a line at start: "anonymous callers", or the API keys and OIDC issuers and grants. */
export function describeCallers(callers: CallersConfig): string {
  if (callers.anonymous) return 'anonymous callers have every grant (callers.anonymous = true)';
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return (
    `${count(callers.apiKeys.length, 'API key')} and ${count(callers.oidc.length, 'OIDC issuer')}, ` +
    `with ${count(callers.grants.length, 'grant')}`
  );
}

export function buildCallers(
  value: z.infer<typeof CallersSchema> | undefined,
  problems: ConfigProblems,
): CallersConfig {
  if (value === undefined) return NO_CALLERS;
  const keys = (value.apiKeys ?? []).map((k, i): ApiKeyCaller => {
    const hash = problems.secret(`callers.apiKeys[${i}].sha256`, k.sha256).toLowerCase();
    if (hash && !/^[0-9a-f]{64}$/.test(hash))
      problems.add(`callers.apiKeys[${i}].sha256`, 'expected 64 hex characters (the SHA-256 of the key)');
    return { name: k.name, sha256: hash };
  });
  const issuers = (value.oidc ?? []).map((o): OidcIssuer => ({
    issuer: o.issuer,
    jwksUri: o.jwksUri ?? `${o.issuer.replace(/\/$/, '')}/.well-known/jwks`,
    audience: o.audience,
    algorithms: o.algorithms ?? DEFAULT_ALGORITHMS,
    clockToleranceSeconds: o.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
    maxTokenAgeSeconds: o.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS,
    jwksCooldownSeconds: o.jwksCooldownSeconds ?? DEFAULT_JWKS_COOLDOWN_SECONDS,
  }));
  const grants = (value.grants ?? []).map((g, i): Grant => {
    const where = `callers.grants[${i}]`;
    if ((g.apiKey === undefined) === (g.issuer === undefined))
      problems.add(where, 'name either an apiKey or an issuer');
    if (g.apiKey !== undefined && !keys.some((k) => k.name === g.apiKey))
      problems.add(`${where}.apiKey`, `no API key is named "${g.apiKey}"`);
    if (g.issuer !== undefined && !issuers.some((o) => o.issuer === g.issuer))
      problems.add(`${where}.issuer`, `"${g.issuer}" is not in callers.oidc`);
    if (g.issuer !== undefined && Object.keys(g.claims ?? {}).length === 0) {
      problems.add(
        `${where}.claims`,
        'a grant to an issuer must name claims (otherwise every token of that issuer would match)',
      );
    }
    return {
      ...(g.apiKey !== undefined ? { apiKey: g.apiKey } : {}),
      ...(g.issuer !== undefined ? { issuer: g.issuer, claims: g.claims ?? {} } : {}),
      actions: g.actions,
      repositories: g.repositories,
    };
  });
  return {
    anonymous: value.anonymous === true,
    anonymousBeyondLoopback: value.anonymousBeyondLoopback !== undefined,
    apiKeys: keys,
    oidc: issuers,
    grants,
  };
}
