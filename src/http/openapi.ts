// The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with.

import { z } from 'zod';
import {
  AuditListSchema,
  AuditQuerySchema,
  CopyEventSchema,
  CopyRequestSchema,
  CopyResultSchema,
  InspectQuerySchema,
  InspectResultSchema,
  JobSchema,
  JobsQuerySchema,
  ProblemSchema,
  PromoteRequestSchema,
  TagListSchema,
  TagsQuerySchema,
  DiffQuerySchema,
} from './schemas.js';

function schema(s: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function queryParameters(s: z.ZodObject) {
  const json = schema(s) as { properties: Record<string, Record<string, unknown>> };
  return Object.entries(json.properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const json = (description: string, ref?: string) => ({ description, content: { 'application/json': { schema: ref ? { $ref: `#/components/schemas/${ref}` } : {} } } });
const refPath = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description: 'rest of the path; "/" allowed' });
const namePath = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

// What every route behind authentication may answer besides its own statuses.
const common = {
  '400': problem('bad input (INVALID_REQUEST, INVALID_REFERENCE)'),
  '401': problem('no or bad credentials (UNAUTHENTICATED)'),
  '403': problem('a grant is missing, or an anonymous request from elsewhere (FORBIDDEN)'),
  '415': problem('anonymous mode: a body that is not JSON (UNSUPPORTED_CONTENT_TYPE)'),
  '500': problem('INVALID_CONFIG or INTERNAL'),
};
// Routes that reach registries.
const upstream = {
  '404': problem('no such image, tag or repository (NOT_FOUND, PLATFORM_NOT_FOUND)'),
  '422': problem('a bound was exceeded (LIMIT_EXCEEDED)'),
  '429': problem('the registry\'s quota is spent (UPSTREAM_RATE_LIMITED): Retry-After and retryAfterSeconds say when to try again, rateLimit what it announced'),
  '501': problem('not available on this runtime (NOT_SUPPORTED)'),
  '502': problem('the registry failed or sent something invalid (UPSTREAM_*, MANIFEST_*, DIGEST_MISMATCH)'),
  '503': problem('the state store is unavailable'),
};
// Routes that read a body.
const body = { '408': problem('the body did not arrive in time (REQUEST_TIMEOUT)'), '413': problem('the body is too large (PAYLOAD_TOO_LARGE)') };

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Ferry', version: '0.1.0', description: 'Moves and inspects container images between registries.' },
    servers: [{ url: '/', description: 'the service that serves this document' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key, or an OIDC token from a configured issuer' } },
      schemas: {
        Problem: schema(ProblemSchema),
        CopyRequest: schema(CopyRequestSchema),
        CopyResult: schema(CopyResultSchema),
        CopyEvent: schema(CopyEventSchema),
        InspectResult: schema(InspectResultSchema),
        TagList: schema(TagListSchema),
        AuditList: schema(AuditListSchema),
        Job: schema(JobSchema),
        JobList: { type: 'object', properties: { jobs: { type: 'array', items: { $ref: '#/components/schemas/Job' } }, cursor: { type: 'string' } }, required: ['jobs'] },
        PromoteRequest: schema(PromoteRequestSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: { operationId: 'health', summary: 'Liveness', security: [], responses: { '200': { description: 'ok' }, '503': problem('the configuration is invalid (INVALID_CONFIG)') } } },
      '/openapi.json': { get: { operationId: 'openApi', summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' }, '500': problem('INVALID_CONFIG') } } },
      '/config.schema.json': { get: { operationId: 'configSchema', summary: 'The configuration schema (JSON Schema 2020-12)', security: [], responses: { '200': { description: 'JSON Schema' }, '500': problem('INVALID_CONFIG') } } },
      '/.well-known/openid-configuration': {
        get: { operationId: 'identityDiscovery', summary: "OIDC discovery of Ferry's workload identity (clouds verify its tokens with it)", security: [], responses: { '200': { description: 'OpenID provider metadata' }, '404': problem('no identity configured (ROUTE_NOT_FOUND)'), '500': problem('INVALID_CONFIG') } },
      },
      '/.well-known/jwks.json': {
        get: { operationId: 'identityKeys', summary: "The public keys of Ferry's workload identity, by kid", security: [], responses: { '200': { description: 'JWK Set' }, '404': problem('no identity configured (ROUTE_NOT_FOUND)'), '500': problem('a signing key does not load (INVALID_CONFIG)') } },
      },
      '/v1/inspect/{reference}': {
        get: {
          operationId: 'inspect',
          summary: 'Summarise an image or index (needs inspect)',
          parameters: [refPath('reference'), ...queryParameters(InspectQuerySchema)],
          responses: { '200': json('summary', 'InspectResult'), '304': { description: 'If-None-Match matched' }, ...common, ...upstream },
        },
      },
      '/v1/manifest/{reference}': {
        get: {
          operationId: 'manifest',
          summary: 'The raw manifest bytes (needs inspect); ?platform= picks one image out of an index',
          parameters: [refPath('reference'), ...queryParameters(InspectQuerySchema)],
          responses: { '200': { description: 'manifest bytes with their media type and Docker-Content-Digest' }, '304': { description: 'If-None-Match matched' }, ...common, ...upstream },
        },
      },
      '/v1/diff/{reference}': {
        get: {
          operationId: 'diff',
          summary: 'What changed from one reference to another (needs inspect on both): platforms added and removed; per common platform, layers shared, added and removed with sizes, and config changes (env, labels, entrypoint, cmd, working dir, ports)',
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
      '/v1/copy': {
        post: {
          operationId: 'copy',
          summary: 'Copy an image (needs inspect on the source and copy on the target)',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CopyRequest' } } } },
          responses: {
            '200': {
              description: 'the result (application/json), or progress events ending in done or error (NDJSON or SSE, chosen by Accept)',
              content: {
                'application/json': { schema: { anyOf: [{ $ref: '#/components/schemas/CopyResult' }, { type: 'object', properties: { results: { type: 'array', items: { $ref: '#/components/schemas/CopyResult' } } } }] } },
                'application/x-ndjson': { schema: { $ref: '#/components/schemas/CopyEvent' } },
                'text/event-stream': { schema: { $ref: '#/components/schemas/CopyEvent' } },
              },
            },
            '202': { description: 'a job: "wait": false, too large for one request, or its client left', content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string' }, url: { type: 'string' }, reason: { type: 'string' } }, required: ['id', 'state', 'url'] } } } },
            '409': problem('a target tag changed while copying (CONFLICT)'),
            ...common,
            ...body,
            ...upstream,
            '422': problem('no tag matched (NO_TAGS_MATCHED), or a bound was exceeded (LIMIT_EXCEEDED)'),
          },
        },
      },
      '/v1/promote': {
        post: {
          operationId: 'promote',
          summary: 'Promote an image by a rule (needs inspect on the source and promote on every target); dry run by default, answering as the real run would',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PromoteRequest' } } } },
          responses: {
            '200': json('the plan, and with dryRun false the copy results'),
            '404': problem('no such rule, or one the caller may not use (NOT_FOUND); no such image'),
            '409': problem('a target tag may not move (CONFLICT), with the plan'),
            '422': problem('the rule does not cover this source or tag (RULE_MISMATCH), is stored under an older schema (RULE_INVALID), or its verify gate refused: SIGNATURE_MISSING, SIGNATURE_INVALID'),
            ...common,
            ...body,
            '502': upstream['502'],
          },
        },
      },
      '/v1/rules': { get: { operationId: 'listRules', summary: 'Promotion rules the caller administers: configured (read-only) and API-managed', responses: { '200': json('rules'), ...common } } },
      '/v1/rules/{name}': {
        put: {
          operationId: 'putRule',
          summary: 'Create or replace an API-managed rule (needs admin over its source glob and every target)',
          parameters: [namePath('name')],
          requestBody: { required: true, content: { 'application/json': { schema: {} } } },
          responses: { '200': json('the stored rule'), '409': problem('a configured rule of that name, or a name taken by a rule the caller does not administer'), ...common, ...body },
        },
        delete: { operationId: 'deleteRule', summary: 'Delete an API-managed rule (needs admin over it)', parameters: [namePath('name')], responses: { '204': { description: 'deleted' }, '404': problem('no such rule'), '409': problem('a configured rule'), ...common } },
      },
      '/v1/registries': { get: { operationId: 'listRegistries', summary: 'Registry entries the caller administers (admin over <host>/**): configured (read-only) and API-managed; secrets only as {"set": true}', responses: { '200': json('registries'), ...common } } },
      '/v1/registries/{host}': {
        get: { operationId: 'getRegistry', summary: 'One registry entry (needs admin over <host>/**); secret values never shown', parameters: [namePath('host')], responses: { '200': json('the entry'), '404': problem('no entry for this host'), ...common } },
        put: {
          operationId: 'putRegistry',
          summary: 'Create or replace an API-managed registry entry (the configuration\'s registry schema; secret values given inline are sealed at rest; public https addresses only unless the configuration allows more)',
          parameters: [namePath('host')],
          requestBody: { required: true, content: { 'application/json': { schema: {} } } },
          responses: {
            '200': json('the stored entry, secrets as {"set": true}'),
            '409': problem('the host is configured (read-only)'),
            '501': problem('credentials given but no sealing keys configured (NOT_SUPPORTED)'),
            ...common,
            '403': problem('no admin over <host>/** (FORBIDDEN), or a private address (ADDRESS_NOT_ALLOWED) or plain http (INSECURE_NOT_ALLOWED) the configuration does not allow'),
            ...body,
          },
        },
        delete: { operationId: 'deleteRegistry', summary: 'Remove an API-managed registry entry', parameters: [namePath('host')], responses: { '204': { description: 'removed' }, '404': problem('no API-managed entry for this host'), '409': problem('a configured entry'), ...common } },
      },
      '/v1/webhooks/{receiver}': {
        post: {
          operationId: 'webhook',
          summary: 'Registry events that start promotions; the sender proves itself with the receiver\'s proof',
          security: [],
          parameters: [namePath('receiver')],
          responses: {
            '202': json('events accepted: jobs started, duplicates skipped'),
            '400': problem('not the receiver\'s event format (UNKNOWN_EVENT_FORMAT, INVALID_REQUEST)'),
            '401': problem('wrong or missing proof'),
            '404': problem('no such receiver'),
            '500': problem('INVALID_CONFIG or INTERNAL'),
            '501': problem('no job runner here'),
            ...body,
          },
        },
      },
      '/v1/jobs': {
        get: {
          operationId: 'listJobs',
          summary: 'Jobs the caller may see, by state, kind and rule',
          parameters: queryParameters(JobsQuerySchema),
          responses: { '200': json('a page of jobs', 'JobList'), ...common },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          operationId: 'getJob',
          summary: 'A job (its creator, or an admin of its repositories)',
          parameters: [namePath('id')],
          responses: { '200': json('the job', 'Job'), '404': problem('no such job'), ...common },
        },
        delete: {
          operationId: 'cancelJob',
          summary: 'Cancel a queued or running job and its batches',
          parameters: [namePath('id')],
          responses: { '200': json('the cancelled job', 'Job'), '404': problem('no such job'), '409': problem('the job has finished'), ...common },
        },
      },
      '/v1/audit': {
        get: {
          operationId: 'audit',
          summary: 'Audit records of the repositories the caller administers, newest first',
          parameters: queryParameters(AuditQuerySchema),
          responses: { '200': json('records', 'AuditList'), ...common },
        },
      },
    },
  };
  return cached;
}
