// The document's paths that read: health, the documents themselves, Ferry's identity, and registry reads.

import { InspectQuerySchema, TagsQuerySchema, DiffQuerySchema } from '../schemas.js';
import { common, json, problem, queryParameters, refPath, upstream } from './parts.js';

/** An error of the registry front: the distribution spec's envelope, not a problem document. */
const registryError = (description: string) => ({
  description,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['errors'],
        properties: {
          errors: {
            type: 'array',
            items: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' } } },
          },
        },
      },
    },
  },
});

export const readPaths = {
  '/healthz': {
    get: {
      operationId: 'health',
      summary: 'Liveness',
      security: [],
      responses: {
        '200': {
          description:
            'ok; `auditRecordsLost`: audit records the state store refused since this process started; ' +
            '`registryQuotas`: the pull quota each upstream last announced to the registry front (Docker Hub)',
        },
        '503': problem('the configuration is invalid (INVALID_CONFIG)'),
      },
    },
  },
  '/v1/token': {
    get: {
      operationId: 'registryToken',
      summary:
        'A token for the registry front (/v2/, read-only, the distribution API): Basic with any user name and an ' +
        'API key as the password, or Bearer with an API key or OIDC token; it names only what the pull grants allow',
      security: [],
      parameters: [
        { name: 'service', in: 'query', required: false, schema: { type: 'string' } },
        {
          name: 'scope',
          in: 'query',
          required: false,
          schema: { type: 'string' },
          description: '`repository:<name>:pull`, repeatable',
        },
      ],
      responses: {
        '200': {
          description: 'the token, good for `front.tokenTtlSeconds`',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['token', 'access_token', 'expires_in', 'issued_at'],
                properties: {
                  token: { type: 'string' },
                  access_token: { type: 'string' },
                  expires_in: { type: 'integer' },
                  issued_at: { type: 'string' },
                },
              },
            },
          },
        },
        '401': registryError('no or bad credentials (UNAUTHORIZED), with a Basic challenge'),
        '403': registryError('the caller may pull none of the scopes asked (DENIED)'),
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openApi',
      summary: 'This document',
      security: [],
      responses: { '200': { description: 'OpenAPI 3.1' }, '500': problem('INVALID_CONFIG') },
    },
  },
  '/config.schema.json': {
    get: {
      operationId: 'configSchema',
      summary: 'The configuration schema (JSON Schema 2020-12)',
      security: [],
      responses: { '200': { description: 'JSON Schema' }, '500': problem('INVALID_CONFIG') },
    },
  },
  '/.well-known/openid-configuration': {
    get: {
      operationId: 'identityDiscovery',
      summary: "OIDC discovery of Ferry's workload identity (clouds verify its tokens with it)",
      security: [],
      responses: {
        '200': { description: 'OpenID provider metadata' },
        '404': problem('no identity configured (ROUTE_NOT_FOUND)'),
        '500': problem('INVALID_CONFIG'),
      },
    },
  },
  '/.well-known/jwks.json': {
    get: {
      operationId: 'identityKeys',
      summary: "The public keys of Ferry's workload identity, by kid",
      security: [],
      responses: {
        '200': { description: 'JWK Set' },
        '404': problem('no identity configured (ROUTE_NOT_FOUND)'),
        '500': problem('a signing key does not load (INVALID_CONFIG)'),
      },
    },
  },
  '/v1/inspect/{reference}': {
    get: {
      operationId: 'inspect',
      summary: 'Summarise an image or index (needs inspect)',
      parameters: [refPath('reference'), ...queryParameters(InspectQuerySchema)],
      responses: {
        '200': json('summary', 'InspectResult'),
        '304': { description: 'If-None-Match matched' },
        ...common,
        ...upstream,
      },
    },
  },
  '/v1/manifest/{reference}': {
    get: {
      operationId: 'manifest',
      summary: 'The raw manifest bytes (needs inspect); ?platform= picks one image out of an index',
      parameters: [refPath('reference'), ...queryParameters(InspectQuerySchema)],
      responses: {
        '200': { description: 'manifest bytes with their media type and Docker-Content-Digest' },
        '304': { description: 'If-None-Match matched' },
        ...common,
        ...upstream,
      },
    },
    delete: {
      operationId: 'deleteManifest',
      summary:
        "Delete a tag, or by digest a manifest with every tag on it, with the registry's own delete API (needs " +
        'delete). Where the registry deletes only by digest (distribution 2.8), a tag is deleted by its digest ' +
        'only when no other tag names it',
      parameters: [refPath('reference')],
      responses: {
        '200': json('{reference, digest}: what was deleted'),
        '409': problem('the digest has other tags a delete by digest would remove (DELETE_WOULD_REMOVE_TAGS)'),
        ...common,
        ...upstream,
        '422': problem("the registry's delete API is off (DELETE_UNSUPPORTED), or a bound was exceeded"),
      },
    },
  },
  '/v1/diff/{reference}': {
    get: {
      operationId: 'diff',
      summary:
        'What changed from one reference to another (needs inspect on both): platforms added and removed; per ' +
        'common platform, layers shared, added and removed with sizes, and config changes (env, labels, entrypoint, ' +
        'cmd, working dir, ports)',
      parameters: [refPath('reference'), ...queryParameters(DiffQuerySchema)],
      responses: { '200': json('the comparison'), ...common, ...upstream },
    },
  },
  '/v1/tags/{repository}': {
    get: {
      operationId: 'listTags',
      summary: 'List tags (needs inspect); with n, one page, a Link to the next',
      parameters: [refPath('repository'), ...queryParameters(TagsQuerySchema)],
      responses: { '200': json('tags', 'TagList'), ...common, ...upstream },
    },
  },
};
