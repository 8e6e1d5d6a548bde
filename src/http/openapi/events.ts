// The document's paths over events: the sinks they go to, and those no sink took.

import { DeadLettersQuerySchema } from '../schemas.js';
import { body, common, json, namePath, problem, queryParameters } from './parts.js';

export const eventPaths = {
  '/v1/events/dead': {
    get: {
      operationId: 'deadLetters',
      summary: 'Events a sink never took after every retry, newest first (admin); a page at a time',
      parameters: queryParameters(DeadLettersQuerySchema),
      responses: {
        '200': {
          description: 'a page of dead letters',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        '404': problem('no such sink'),
        ...common,
      },
    },
  },
  '/v1/events/sinks': {
    get: {
      operationId: 'listEventSinks',
      summary: 'Event sinks about repositories the caller administers, configured and added here; no secret shown',
      responses: { '200': json('{"sinks": [...]}'), ...common },
    },
  },
  '/v1/events/sinks/{name}': {
    get: {
      operationId: 'getEventSink',
      summary: 'One sink (an admin of every repository it is about); secrets counted, never shown',
      parameters: [namePath('name')],
      responses: { '200': json('the sink'), '404': problem('no such sink the caller administers'), ...common },
    },
    put: {
      operationId: 'putEventSink',
      summary:
        "Create or replace a sink (the configuration's sink schema; repositories required, each administered by " +
        'the caller; secrets sealed at rest; public https addresses only unless the configuration allows more)',
      parameters: [namePath('name')],
      requestBody: { required: true, content: { 'application/json': { schema: {} } } },
      responses: {
        '200': json('the stored sink'),
        '404': problem('a sink of that name about repositories the caller does not administer'),
        '409': problem('a configured sink (read-only)'),
        '422': problem('the most sinks the API may hold (LIMIT_EXCEEDED)'),
        '501': problem('no sealing keys configured (NOT_SUPPORTED)'),
        ...common,
        '403': problem('no admin over a repository it names (FORBIDDEN), or a private address (ADDRESS_NOT_ALLOWED)'),
        ...body,
      },
    },
    delete: {
      operationId: 'deleteEventSink',
      summary: 'Remove a sink added through the API (its pending deliveries with it)',
      parameters: [namePath('name')],
      responses: {
        '204': { description: 'removed' },
        '404': problem('no such sink the caller administers'),
        '409': problem('a configured sink'),
        ...common,
      },
    },
  },
};
