// The document's paths over what Ferry keeps: jobs and the audit log.

import { AuditQuerySchema, JobsQuerySchema } from '../schemas.js';
import { common, json, namePath, problem, queryParameters } from './parts.js';

export const recordPaths = {
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
      responses: {
        '200': json('the cancelled job', 'Job'),
        '404': problem('no such job'),
        '409': problem('the job has finished'),
        ...common,
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      summary: 'Counters in the Prometheus text format (Node, Deno, Bun; grant "metrics"); Workers: Analytics Engine',
      responses: {
        '200': { description: 'the metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
        '404': problem('this runtime sends its metrics to Analytics Engine instead'),
        ...common,
      },
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
};
