// The pieces every path of the OpenAPI document is built from: zod schemas as JSON Schema, parameters,
// and the answers routes share.

import { z } from 'zod';

export function schema(s: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

export function queryParameters(s: z.ZodObject) {
  const json = schema(s) as { properties: Record<string, Record<string, unknown>> };
  return Object.entries(json.properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: false,
    schema: property,
  }));
}

export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});
export const json = (description: string, ref?: string) => ({
  description,
  content: { 'application/json': { schema: ref ? { $ref: `#/components/schemas/${ref}` } : {} } },
});
export const refPath = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'rest of the path; "/" allowed',
});
export const namePath = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

// What every route behind authentication may answer besides its own statuses.
export const common = {
  '400': problem('bad input (INVALID_REQUEST, INVALID_REFERENCE)'),
  '401': problem('no or bad credentials (UNAUTHENTICATED)'),
  '403': problem('a grant is missing, or an anonymous request from elsewhere (FORBIDDEN)'),
  '415': problem('anonymous mode: a body that is not JSON (UNSUPPORTED_CONTENT_TYPE)'),
  '500': problem('INVALID_CONFIG or INTERNAL'),
};
// Routes that reach registries.
export const upstream = {
  '404': problem('no such image, tag or repository (NOT_FOUND, PLATFORM_NOT_FOUND)'),
  '422': problem('a bound was exceeded (LIMIT_EXCEEDED)'),
  '429': problem(
    "the registry's quota is spent (UPSTREAM_RATE_LIMITED): Retry-After and retryAfterSeconds say when to try " +
      'again, rateLimit what it announced',
  ),
  '501': problem('not available on this runtime (NOT_SUPPORTED)'),
  '502': problem('the registry failed or sent something invalid (UPSTREAM_*, MANIFEST_*, DIGEST_MISMATCH)'),
  '503': problem('the state store is unavailable'),
  '504': problem(
    'a registry, token server or cloud endpoint did not answer in time (UPSTREAM_TIMEOUT): host and phase ' +
      '(connect, headers, body, idle) are named',
  ),
};
// Routes that read a body.
export const body = {
  '408': problem('the body did not arrive in time (REQUEST_TIMEOUT)'),
  '413': problem('the body is too large (PAYLOAD_TOO_LARGE)'),
};
