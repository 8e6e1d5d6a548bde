// The one mapping from errors to JSON problem responses (RFC 9457) with a stable `code`.

import type { Logger } from '../deps.js';
import { AppError, isAppError } from '../errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  [extra: string]: unknown;
}

export function toProblem(error: unknown, log: Logger): Problem {
  const appError = isAppError(error) ? error : new AppError('INTERNAL', 'internal error');
  if (!isAppError(error)) {
    // Unknown errors may hold anything: log their message only, never echo it to the caller.
    log.error('unhandled error', {
      error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown',
    });
  } else if (appError.status >= 500) {
    log.warn('request failed', { code: appError.code, detail: appError.message });
  }
  return {
    type: `urn:ferry:problem:${appError.code.toLowerCase().replaceAll('_', '-')}`,
    title: appError.code.toLowerCase().replaceAll('_', ' '),
    status: appError.status,
    code: appError.code,
    detail: appError.message,
    ...appError.details,
  };
}

/**
 * The answer with its request id: in the `x-request-id` header, and in the body of a problem document, so a
 * user who pastes the error gives the id the logs know it by.
 */
export async function withRequestId(response: Response, requestId: string): Promise<Response> {
  let answer = response;
  const problem = response.headers.get('content-type')?.startsWith('application/problem+json')
    ? await response
        .clone()
        .json()
        .catch(() => undefined) // a HEAD's answer has no body
    : undefined;
  if (problem && typeof problem === 'object') {
    answer = new Response(JSON.stringify({ ...(problem as Problem), requestId }), response);
    answer.headers.delete('content-length');
  } else if (!isMutable(response)) answer = new Response(response.body, response);
  answer.headers.set('x-request-id', requestId);
  return answer;
}

/** Whether the answer's headers take a change (a Response fetched from elsewhere has immutable headers). */
function isMutable(response: Response): boolean {
  try {
    response.headers.set('x-request-id', '');
    return true;
  } catch {
    return false;
  }
}

export function problemResponse(error: unknown, log: Logger): Response {
  const problem = toProblem(error, log);
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  // RFC 6750: a 401 says how to authenticate.
  if (problem.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer realm="ferry"';
  if (typeof problem.retryAfterSeconds === 'number') headers['retry-after'] = String(problem.retryAfterSeconds);
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}
