// What a registry's refusal becomes in Ferry's answers, logs and records: its status and codes kept whole,
// its message summarised with every secret Ferry sent that host taken out.

import type { RegistryConfig } from './options.js';
import { AppError, type UpstreamFailure } from '../errors.js';
import { readLimited } from './body.js';
import { parseRateLimit } from './rate-limit.js';
import { describeUrl, parseRetryAfter } from './retry.js';

// Registry error documents are a few hundred bytes; read no more than this of one.
const MAX_ERROR_BODY_BYTES = 64 * 1024;
// The secret values sent to the host an answer came from: its error text has them taken out (upstreamError).
const sentSecrets = new WeakMap<Response, readonly string[]>();
// Shorter values are not searched for: they would cut words out of every message.
export const MIN_SECRET_LENGTH = 4;

/** Notes what was sent to the host that gave this answer (the transport calls it for every answer). */
export function markSecretsSent(response: Response, secrets: ReadonlySet<string>): void {
  sentSecrets.set(response, [...secrets]);
}

// What a registry's error message may say in Ferry's answers: a code, and a short message with anything
// that looks like a credential taken out (a registry may echo a query, a header or a token back).
const MAX_UPSTREAM_MESSAGE = 200;
// An error code as the distribution spec writes them (MANIFEST_UNKNOWN, DIGEST_INVALID).
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,40}$/;
// name=value or name: value, where the name speaks of a secret (password, passwd, api_key, signature, X-Auth-Token).
const NAMED_SECRET =
  /\b([\w-]*(pass|secret|token|key|sig|credential|auth)[\w-]*)\s*[=:]\s*("[^"]*"|'[^']*'|[^\s&,;]+)/gi;
const CREDENTIAL_LIKE = [
  /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  NAMED_SECRET,
  /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, // a JWT
  /\b[A-Za-z0-9+/_-]{32,}={0,2}/g, // long opaque strings: keys, tokens
  /[a-z][a-z0-9+.-]*:\/\/[^\s/@]+@/gi, // user:password@ in a URL
];

/** The configured secret values of an entry: its password, tokens and extra header values. */
export function configuredSecrets(registry: RegistryConfig | undefined): Set<string> {
  const c = registry?.credentials;
  const values = [c?.password, c?.token, c?.identityToken, ...Object.values(registry?.headers ?? {})];
  return new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH));
}

/**
 * A registry's error, fit for Ferry's answers, logs and records: a valid code, and a short message with
 * every secret value Ferry sent that host taken out (whatever the phrasing around it), then anything
 * shaped like a credential, and control characters (C0, DEL, C1).
 */
export function summarizeUpstreamError(code: unknown, message: unknown, secrets: readonly string[] = []): string {
  const safeCode = typeof code === 'string' && ERROR_CODE.test(code) ? code : '';
  let text = typeof message === 'string' ? message : '';
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    for (const form of new Set([secret, encodeURIComponent(secret)])) text = text.split(form).join('[redacted]');
  text = text.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ');
  for (const pattern of CREDENTIAL_LIKE)
    text = text.replace(pattern, (match, name: string | undefined) =>
      name && pattern === NAMED_SECRET ? `${name}=[redacted]` : '[redacted]',
    );
  if (text.length > MAX_UPSTREAM_MESSAGE) text = `${text.slice(0, MAX_UPSTREAM_MESSAGE)}…`;
  return `${safeCode} ${text}`.trim();
}

/**
 * A registry's "too many requests" after the retries: when to try again (its Retry-After, else the end of
 * its quota window, the longest it can take) and the quota it announced.
 */
function rateLimited(response: Response, message: string, upstream?: UpstreamFailure): AppError {
  const rateLimit = parseRateLimit(response.headers);
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  const retryAfterSeconds = retryAfterMs !== undefined ? Math.ceil(retryAfterMs / 1000) : rateLimit?.windowSeconds;
  const quota = rateLimit
    ? ` (quota ${rateLimit.limit}${rateLimit.windowSeconds ? ` per ${rateLimit.windowSeconds} s` : ''}, ` +
      `${rateLimit.remaining} left)`
    : '';
  const when = retryAfterSeconds !== undefined ? `; retry after ${retryAfterSeconds} s` : '';
  return new AppError('UPSTREAM_RATE_LIMITED', `${message}${quota}${when}`, {
    ...(upstream ? { upstream } : {}),
    details: { ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}), ...(rateLimit ? { rateLimit } : {}) },
  });
}

/** Maps an unexpected registry status to a Ferry error, using the registry's own error message when it sent one. */
export async function upstreamError(response: Response, what: string, method = 'GET'): Promise<AppError> {
  let detail = '';
  const codes: string[] = [];
  try {
    const text = new TextDecoder().decode(await readLimited(response, MAX_ERROR_BODY_BYTES)).slice(0, 2048);
    const parsed = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    for (const e of parsed.errors ?? []) if (typeof e?.code === 'string' && ERROR_CODE.test(e.code)) codes.push(e.code);
    const first = parsed.errors?.[0];
    if (first) detail = `: ${summarizeUpstreamError(first.code, first.message, sentSecrets.get(response))}`.trimEnd();
  } catch {
    // not a registry error document
  }
  const status = response.status;
  const request = response.url ? `${method} ${describeUrl(response.url)}` : method;
  const upstream = { status, codes: codes.slice(0, 10), request };
  if (status === 429) return rateLimited(response, `${what}: registry answered 429${detail}`, upstream);
  const message = `${what}: registry answered ${status}${detail}`;
  const code =
    status === 404
      ? 'NOT_FOUND'
      : status === 401
        ? 'UPSTREAM_UNAUTHORIZED'
        : status === 403
          ? 'UPSTREAM_DENIED'
          : status >= 500
            ? 'UPSTREAM_UNAVAILABLE'
            : 'UPSTREAM_PROTOCOL';
  return new AppError(code, message, { upstream });
}
