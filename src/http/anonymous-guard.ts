// Anonymous callers have every grant, so a request in anonymous mode must come from this machine's own
// user, not from a web page the user happens to visit: a cross-site "simple" POST (text/plain, no
// preflight) or a DNS-rebound name would otherwise run copies. Refused here, before any route:
//   - a body that is not JSON (application/json or */*+json): browsers cannot send those cross-site
//     without a CORS preflight, which Ferry never answers;
//   - a foreign Origin (or Sec-Fetch-Site of another site);
//   - a Host that is not a loopback name, unless the operator acknowledged anonymous callers beyond
//     loopback (callers.anonymousBeyondLoopback).
// The web console's same-origin form posts, which carry a CSRF token the console checks, are the one exception.

import type { CallersConfig } from '../config/callers.js';
import { AppError } from '../errors.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A loopback name or address, as a URL's hostname or a bind address spells it. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === '[::1]' ||
    host === '::1'
  );
}

function isJson(contentType: string | null): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]+\+json$/.test(type);
}

/** `formWithCsrf`: a console form whose CSRF token the route checks (the one body that is not JSON). */
export function checkAnonymousRequest(
  callers: CallersConfig,
  request: Request,
  options: { formWithCsrf?: boolean } = {},
): void {
  const url = new URL(request.url);
  if (!callers.anonymousBeyondLoopback && !isLoopbackHostname(url.hostname)) {
    throw new AppError(
      'FORBIDDEN',
      `anonymous callers are served on loopback names only, not "${url.hostname}" (set ` +
        `callers.anonymousBeyondLoopback to acknowledge anonymous access beyond loopback)`,
    );
  }
  const origin = request.headers.get('origin');
  const site = request.headers.get('sec-fetch-site');
  if ((origin !== null && origin !== url.origin) || (site !== null && site !== 'same-origin' && site !== 'none')) {
    throw new AppError('FORBIDDEN', 'a cross-site request to an anonymous Ferry is refused');
  }
  const hasBody = request.body !== null || Number(request.headers.get('content-length') ?? 0) > 0;
  if (
    BODY_METHODS.has(request.method) &&
    hasBody &&
    !isJson(request.headers.get('content-type')) &&
    !options.formWithCsrf
  ) {
    throw new AppError('UNSUPPORTED_CONTENT_TYPE', 'send the body as application/json');
  }
}
