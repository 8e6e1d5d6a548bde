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
  ProblemSchema,
  PromoteRequestSchema,
  TagListSchema,
  TagsQuerySchema,
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
const errors = { '400': problem('bad input'), '401': problem('no or bad credentials'), '403': problem('a grant is missing'), '502': problem('the registry failed') };
const refPath = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description: 'rest of the path; "/" allowed' });

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Ferry', version: '0.1.0', description: 'Moves and inspects container images between registries.' },
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
        PromoteRequest: schema(PromoteRequestSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'ok' } } } },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/v1/inspect/{reference}': {
        get: {
          summary: 'Summarise an image or index (needs inspect)',
          parameters: [refPath('reference'), ...queryParameters(InspectQuerySchema)],
          responses: { '200': { description: 'summary', content: { 'application/json': { schema: { $ref: '#/components/schemas/InspectResult' } } } }, '304': { description: 'If-None-Match matched' }, ...errors },
        },
      },
      '/v1/manifest/{reference}': {
        get: {
          summary: 'The raw manifest bytes (needs inspect)',
          parameters: [refPath('reference')],
          responses: { '200': { description: 'manifest bytes with their media type and Docker-Content-Digest' }, '304': { description: 'If-None-Match matched' }, ...errors },
        },
      },
      '/v1/tags/{repository}': {
        get: {
          summary: 'List tags (needs inspect)',
          parameters: [refPath('repository'), ...queryParameters(TagsQuerySchema)],
          responses: { '200': { description: 'tags', content: { 'application/json': { schema: { $ref: '#/components/schemas/TagList' } } } }, ...errors },
        },
      },
      '/v1/copy': {
        post: {
          summary: 'Copy an image (needs inspect on the source and copy on the target)',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CopyRequest' } } } },
          responses: {
            '200': {
              description: 'the result (application/json), or progress events ending in done or error (NDJSON or SSE, chosen by Accept)',
              content: {
                'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/CopyResult' }, { type: 'object', properties: { results: { type: 'array', items: { $ref: '#/components/schemas/CopyResult' } } } }] } },
                'application/x-ndjson': { schema: { $ref: '#/components/schemas/CopyEvent' } },
                'text/event-stream': { schema: { $ref: '#/components/schemas/CopyEvent' } },
              },
            },
            '202': { description: 'with "wait": false: the job was recorded', content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string' }, url: { type: 'string' } } } } } },
            ...errors,
          },
        },
      },
      '/v1/promote': {
        post: {
          summary: 'Promote an image by a configured rule (needs inspect on the source and promote on every target); dry run by default',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PromoteRequest' } } } },
          responses: { '200': { description: 'the plan, and with dryRun false the copy results' }, '409': problem('an immutable target tag names another digest'), '422': problem('the rule does not cover this source or tag'), ...errors },
        },
      },
      '/v1/rules': { get: { summary: 'Promotion rules: configured (read-only) and API-managed (needs admin)', responses: { '200': { description: 'rules' }, ...errors } } },
      '/v1/rules/{name}': {
        put: { summary: 'Create or replace an API-managed rule (needs admin)', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the stored rule' }, '409': problem('a configured rule of that name'), ...errors } },
        delete: { summary: 'Delete an API-managed rule (needs admin)', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], responses: { '204': { description: 'deleted' }, '404': problem('no such rule'), ...errors } },
      },
      '/v1/webhooks/{receiver}': {
        post: {
          summary: 'Registry events (CNCF distribution notifications) that start promotions; the sender proves itself with the receiver secret',
          security: [],
          parameters: [{ name: 'receiver', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '202': { description: 'events accepted: jobs started, duplicates skipped' }, '401': problem('wrong or missing receiver secret'), '404': problem('no such receiver') },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          summary: 'A copy job started with "wait": false (its creator, or an admin)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'the job', content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } }, '404': problem('no such job'), ...errors },
        },
      },
      '/v1/audit': {
        get: {
          summary: 'Audit records, newest first (needs admin)',
          parameters: queryParameters(AuditQuerySchema),
          responses: { '200': { description: 'records', content: { 'application/json': { schema: { $ref: '#/components/schemas/AuditList' } } } }, ...errors },
        },
      },
    },
  };
  return cached;
}
