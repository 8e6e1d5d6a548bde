// The one error base: every failure Ferry reports carries a stable code and an HTTP status.

export type ErrorCode =
  | 'INVALID_REFERENCE'
  | 'INVALID_REQUEST'
  | 'ROUTE_NOT_FOUND'
  | 'METRICS_ELSEWHERE'
  | 'INVALID_CONFIG'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'REGISTRY_NOT_ALLOWED'
  | 'ADDRESS_NOT_ALLOWED'
  | 'INSECURE_NOT_ALLOWED'
  | 'UPSTREAM_UNAUTHORIZED'
  | 'UPSTREAM_DENIED'
  | 'NOT_FOUND'
  | 'PLATFORM_NOT_FOUND'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_PROTOCOL'
  | 'MANIFEST_TOO_LARGE'
  | 'MANIFEST_INVALID'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'DIGEST_MISMATCH'
  | 'NOT_SUPPORTED'
  | 'CONFLICT'
  | 'TAG_EXISTS'
  | 'DELETE_WOULD_REMOVE_TAGS'
  | 'DELETE_UNSUPPORTED'
  | 'RULE_MISMATCH'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_INVALID'
  | 'RULE_INVALID'
  | 'UNKNOWN_EVENT_FORMAT'
  | 'PAYLOAD_TOO_LARGE'
  | 'REQUEST_TIMEOUT'
  | 'UNSUPPORTED_CONTENT_TYPE'
  | 'LIMIT_EXCEEDED'
  | 'NO_TAGS_MATCHED'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL';

const DEFAULT_STATUS: Record<ErrorCode, number> = {
  INVALID_REFERENCE: 400,
  INVALID_REQUEST: 400,
  ROUTE_NOT_FOUND: 404,
  METRICS_ELSEWHERE: 404,
  INVALID_CONFIG: 500,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  REGISTRY_NOT_ALLOWED: 403,
  ADDRESS_NOT_ALLOWED: 403,
  INSECURE_NOT_ALLOWED: 403,
  UPSTREAM_UNAUTHORIZED: 502,
  UPSTREAM_DENIED: 502,
  NOT_FOUND: 404,
  PLATFORM_NOT_FOUND: 404,
  UPSTREAM_UNAVAILABLE: 502,
  // A registry, token server or cloud endpoint that did not answer in time (the host and phase are named).
  UPSTREAM_TIMEOUT: 504,
  // The registry's quota, passed on: the caller can do nothing but wait (Retry-After says how long).
  UPSTREAM_RATE_LIMITED: 429,
  UPSTREAM_PROTOCOL: 502,
  MANIFEST_TOO_LARGE: 502,
  MANIFEST_INVALID: 502,
  UNSUPPORTED_MEDIA_TYPE: 502,
  DIGEST_MISMATCH: 502,
  NOT_SUPPORTED: 501,
  CONFLICT: 409,
  // --no-clobber: the target tag names another image.
  TAG_EXISTS: 409,
  // A registry that deletes by digest only, where the digest has other tags (distribution 2.8).
  DELETE_WOULD_REMOVE_TAGS: 409,
  // The registry's delete API is off (distribution's default).
  DELETE_UNSUPPORTED: 422,
  RULE_MISMATCH: 422,
  SIGNATURE_MISSING: 422,
  SIGNATURE_INVALID: 422,
  RULE_INVALID: 422,
  UNKNOWN_EVENT_FORMAT: 400,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_TIMEOUT: 408,
  UNSUPPORTED_CONTENT_TYPE: 415,
  LIMIT_EXCEEDED: 422,
  NO_TAGS_MATCHED: 422,
  METHOD_NOT_ALLOWED: 405,
  INTERNAL: 500,
};

/**
 * What a registry answered, kept whole (as go-containerregistry's transport.Error does): its status, the
 * codes of its error document (`errors[].code`, checked to be codes), and which request it answered
 * (method, host and path; no query, which may hold a state token). Not part of the answer's body.
 */
export interface UpstreamFailure {
  status: number;
  codes: string[];
  request: string;
}

export interface AppErrorOptions {
  status?: number;
  cause?: unknown;
  /** Extra machine-readable fields for the problem response (never secrets). */
  details?: Record<string, unknown>;
  /** Worth another try as it is though not a transient failure (credentials renewed after an upload was refused). */
  retryable?: boolean;
  upstream?: UpstreamFailure;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;
  readonly upstream: UpstreamFailure | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.details = options.details;
    this.retryable = options.retryable === true;
    this.upstream = options.upstream;
  }
}

/** An AppError as plain data, to cross a boundary that keeps only an error's message (Workers RPC). */
export interface PlainAppError {
  code: ErrorCode;
  message: string;
  status: number;
  details?: Record<string, unknown>;
  retryable: boolean;
  upstream?: UpstreamFailure;
}

export const plainAppError = (error: AppError): PlainAppError => ({
  code: error.code,
  message: error.message,
  status: error.status,
  retryable: error.retryable,
  ...(error.details ? { details: error.details } : {}),
  ...(error.upstream ? { upstream: error.upstream } : {}),
});

export const fromPlainAppError = (plain: PlainAppError): AppError =>
  new AppError(plain.code, plain.message, {
    status: plain.status,
    retryable: plain.retryable,
    ...(plain.details ? { details: plain.details } : {}),
    ...(plain.upstream ? { upstream: plain.upstream } : {}),
  });

/**
 * Whether a failure may pass when tried again as it is: the network or a registry that was busy or down
 * (UPSTREAM_UNAVAILABLE: 5xx, and 429 that outlasted the retries; UPSTREAM_TIMEOUT), or one marked
 * retryable. The one place that decides it; registry requests themselves are retried on the statuses in
 * src/registry/retry.ts.
 */
export function isTransient(error: unknown): boolean {
  return (
    isAppError(error) && (error.retryable || error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'UPSTREAM_TIMEOUT')
  );
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
