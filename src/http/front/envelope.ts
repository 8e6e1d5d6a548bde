// The registry front's errors, in the distribution spec's envelope
// (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":…,"detail":…}]}`) with its status codes: the same
// AppErrors as everywhere else, named as registry clients expect.

import type { Logger } from '../../deps.js';
import { AppError, isAppError } from '../../errors.js';
import { toProblem } from '../errors.js';

/** What the failed request asked for: it picks the code of a "not found". */
export type FrontSubject = 'base' | 'manifest' | 'blob' | 'tags' | 'referrers' | 'token';

const UNKNOWN_OF: Record<FrontSubject, string> = {
  base: 'NAME_UNKNOWN',
  manifest: 'MANIFEST_UNKNOWN',
  blob: 'BLOB_UNKNOWN',
  tags: 'NAME_UNKNOWN',
  referrers: 'NAME_UNKNOWN',
  token: 'NAME_UNKNOWN',
};

function registryCode(error: AppError, subject: FrontSubject): string {
  const given = error.details?.registryCode;
  if (typeof given === 'string') return given;
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return 'UNAUTHORIZED';
    case 'FORBIDDEN':
    case 'REGISTRY_NOT_ALLOWED':
    case 'ADDRESS_NOT_ALLOWED':
    case 'INSECURE_NOT_ALLOWED':
      return 'DENIED';
    case 'NOT_FOUND':
    case 'PLATFORM_NOT_FOUND':
      return UNKNOWN_OF[subject];
    case 'INVALID_REFERENCE':
      return subject === 'blob' || subject === 'referrers' ? 'DIGEST_INVALID' : 'MANIFEST_INVALID';
    case 'INVALID_REQUEST':
      return 'PAGINATION_NUMBER_INVALID';
    case 'UPSTREAM_RATE_LIMITED':
      return 'TOOMANYREQUESTS';
    case 'METHOD_NOT_ALLOWED':
    case 'NOT_SUPPORTED':
      return 'UNSUPPORTED';
    default:
      return 'UNKNOWN';
  }
}

/** Extra headers of an error answer: a 401's challenge, a 429's Retry-After. */
export type ErrorHeaders = Record<string, string>;

/** An error as a registry answers it; Ferry's own code stays in `detail`. */
export function registryErrorResponse(
  error: unknown,
  subject: FrontSubject,
  log: Logger,
  headers: ErrorHeaders = {},
): Response {
  const problem = toProblem(error, log); // logs what it must, and never echoes an unknown error
  const appError = isAppError(error) ? error : new AppError('INTERNAL', 'internal error');
  const code = registryCode(appError, subject);
  // A registry's not-found is a 404 whatever Ferry's code said about the name; a name it refuses, 403.
  const status = code === 'DENIED' ? 403 : code.endsWith('_UNKNOWN') ? 404 : problem.status;
  const body = { errors: [{ code, message: problem.detail, detail: { code: problem.code } }] };
  const extra: ErrorHeaders = { ...headers };
  if (typeof problem.retryAfterSeconds === 'number') extra['retry-after'] = String(problem.retryAfterSeconds);
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...extra },
  });
}
