// The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with.

import {
  AuditListSchema,
  CopyEventSchema,
  CopyRequestSchema,
  TagRequestSchema,
  CopyResultSchema,
  InspectResultSchema,
  JobSchema,
  ProblemSchema,
  PromoteRequestSchema,
  SyncRunRequestSchema,
  TagListSchema,
} from '../schemas.js';
import { schema } from './parts.js';
import { readPaths } from './reads.js';
import { writePaths } from './writes.js';
import { recordPaths } from './records.js';
import { eventPaths } from './events.js';
import { syncPaths } from './syncs.js';
import { namePaths } from './names.js';

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Ferry', version: '0.1.0', description: 'Moves and inspects container images between registries.' },
    servers: [{ url: '/', description: 'the service that serves this document' }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key, or an OIDC token from a configured issuer',
        },
      },
      schemas: {
        Problem: schema(ProblemSchema),
        CopyRequest: schema(CopyRequestSchema),
        CopyResult: schema(CopyResultSchema),
        CopyEvent: schema(CopyEventSchema),
        InspectResult: schema(InspectResultSchema),
        TagList: schema(TagListSchema),
        AuditList: schema(AuditListSchema),
        Job: schema(JobSchema),
        JobList: {
          type: 'object',
          properties: {
            jobs: { type: 'array', items: { $ref: '#/components/schemas/Job' } },
            cursor: { type: 'string' },
          },
          required: ['jobs'],
        },
        PromoteRequest: schema(PromoteRequestSchema),
        SyncRunRequest: schema(SyncRunRequestSchema),
        TagRequest: schema(TagRequestSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      ...readPaths,
      ...writePaths,
      ...namePaths,
      ...recordPaths,
      ...eventPaths,
      ...syncPaths,
    },
  };
  return cached;
}
