// The document's paths that change something: copies, promotions, rules and registry entries, webhooks.

import { body, common, json, namePath, problem, upstream } from './parts.js';

export const writePaths = {
  '/v1/copy': {
    post: {
      operationId: 'copy',
      summary: 'Copy an image (needs inspect on the source and copy on the target)',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/CopyRequest' } } },
      },
      responses: {
        '200': {
          description:
            'the result (application/json), or progress events ending in done or error (NDJSON or SSE, chosen by ' +
            'Accept)',
          content: {
            'application/json': {
              schema: {
                anyOf: [
                  { $ref: '#/components/schemas/CopyResult' },
                  {
                    type: 'object',
                    properties: { results: { type: 'array', items: { $ref: '#/components/schemas/CopyResult' } } },
                  },
                ],
              },
            },
            'application/x-ndjson': { schema: { $ref: '#/components/schemas/CopyEvent' } },
            'text/event-stream': { schema: { $ref: '#/components/schemas/CopyEvent' } },
          },
        },
        '202': {
          description: 'a job: "wait": false, too large for one request, or its client left',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  state: { type: 'string' },
                  url: { type: 'string' },
                  reason: { type: 'string' },
                },
                required: ['id', 'state', 'url'],
              },
            },
          },
        },
        '409': problem('a target tag changed while copying (CONFLICT)'),
        ...common,
        ...body,
        ...upstream,
        '422': problem('no tag matched (NO_TAGS_MATCHED), or a bound was exceeded (LIMIT_EXCEEDED)'),
      },
    },
  },
  '/v1/copy/dry-run': {
    post: {
      operationId: 'copyDryRun',
      summary:
        'What a copy of one image would do, the target asked as the copy asks it: the digest its tags will name, ' +
        'whether they name it already, and each blob as copied, mounted or there. Nothing is written',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/CopyRequest' } } },
      },
      responses: {
        '200': {
          description: 'the dry run',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  source: { type: 'string' },
                  target: { type: 'string' },
                  tags: { type: 'array', items: { type: 'string' } },
                  digest: { type: 'string' },
                  mediaType: { type: 'string' },
                  platforms: { type: 'array', items: { type: 'string' } },
                  indexDigestChanged: { type: 'boolean' },
                  upToDate: { type: 'boolean' },
                  manifests: { type: 'integer' },
                  blobs: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        digest: { type: 'string' },
                        size: { type: 'integer' },
                        action: { type: 'string', enum: ['copy', 'mount', 'skip'] },
                        from: { type: 'string' },
                      },
                      required: ['digest', 'size', 'action'],
                    },
                  },
                  bytes: {
                    type: 'object',
                    properties: { copy: { type: 'integer' }, mount: { type: 'integer' }, skip: { type: 'integer' } },
                  },
                },
                required: [
                  'source',
                  'target',
                  'tags',
                  'digest',
                  'mediaType',
                  'upToDate',
                  'manifests',
                  'blobs',
                  'bytes',
                ],
              },
            },
          },
        },
        ...common,
        ...body,
        ...upstream,
      },
    },
  },
  '/v1/promote': {
    post: {
      operationId: 'promote',
      summary:
        'Promote an image by a rule (needs inspect on the source and promote on every target); dry run by default, ' +
        'answering as the real run would',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/PromoteRequest' } } },
      },
      responses: {
        '200': json('the plan, and with dryRun false the copy results'),
        '404': problem('no such rule, or one the caller may not use (NOT_FOUND); no such image'),
        '409': problem(
          'a target tag may not move (CONFLICT), with the plan; or rules of several other owners by that name',
        ),
        '422': problem(
          'the rule does not cover this source or tag (RULE_MISMATCH), is stored under an older schema ' +
            '(RULE_INVALID), or its verify gate refused: SIGNATURE_MISSING, SIGNATURE_INVALID',
        ),
        ...common,
        ...body,
        '502': upstream['502'],
      },
    },
  },
  '/v1/rules': {
    get: {
      operationId: 'listRules',
      summary: 'Promotion rules the caller administers: configured (read-only) and API-managed',
      responses: { '200': json('rules'), ...common },
    },
  },
  '/v1/rules/{name}': {
    put: {
      operationId: 'putRule',
      summary:
        "Create or replace the caller's own API-managed rule of that name (names are scoped per owner; needs admin " +
        'over its source glob and every target)',
      parameters: [namePath('name')],
      requestBody: { required: true, content: { 'application/json': { schema: {} } } },
      responses: {
        '200': json('the stored rule'),
        '409': problem('a configured rule of that name'),
        ...common,
        ...body,
      },
    },
    delete: {
      operationId: 'deleteRule',
      summary: 'Delete an API-managed rule (needs admin over it)',
      parameters: [namePath('name')],
      responses: {
        '204': { description: 'deleted' },
        '404': problem('no such rule'),
        '409': problem('a configured rule, or rules of several other owners by that name'),
        ...common,
      },
    },
  },
  '/v1/registries': {
    get: {
      operationId: 'listRegistries',
      summary:
        'Registry entries the caller administers (admin over <host>/**): configured (read-only) and API-managed; ' +
        'secrets only as {"set": true}',
      responses: { '200': json('registries'), ...common },
    },
  },
  '/v1/registries/{host}': {
    get: {
      operationId: 'getRegistry',
      summary: 'One registry entry (needs admin over <host>/**); secret values never shown',
      parameters: [namePath('host')],
      responses: { '200': json('the entry'), '404': problem('no entry for this host'), ...common },
    },
    put: {
      operationId: 'putRegistry',
      summary:
        "Create or replace an API-managed registry entry (the configuration's registry schema; secret values given " +
        'inline are sealed at rest; public https addresses only unless the configuration allows more)',
      parameters: [namePath('host')],
      requestBody: { required: true, content: { 'application/json': { schema: {} } } },
      responses: {
        '200': json('the stored entry, secrets as {"set": true}'),
        '409': problem('the host is configured (read-only)'),
        '501': problem('credentials given but no sealing keys configured (NOT_SUPPORTED)'),
        ...common,
        '403': problem(
          'no admin over <host>/** (FORBIDDEN), or a private address (ADDRESS_NOT_ALLOWED) or plain http ' +
            '(INSECURE_NOT_ALLOWED) the configuration does not allow',
        ),
        ...body,
      },
    },
    delete: {
      operationId: 'deleteRegistry',
      summary: 'Remove an API-managed registry entry',
      parameters: [namePath('host')],
      responses: {
        '204': { description: 'removed' },
        '404': problem('no API-managed entry for this host'),
        '409': problem('a configured entry'),
        ...common,
      },
    },
  },
  '/v1/webhooks/{receiver}': {
    post: {
      operationId: 'webhook',
      summary: "Registry events that start promotions; the sender proves itself with the receiver's proof",
      security: [],
      parameters: [namePath('receiver')],
      responses: {
        '202': json('events accepted: jobs started, duplicates skipped'),
        '400': problem("not the receiver's event format (UNKNOWN_EVENT_FORMAT, INVALID_REQUEST)"),
        '401': problem('wrong or missing proof'),
        '404': problem('no such receiver'),
        '500': problem('INVALID_CONFIG or INTERNAL'),
        '501': problem('no job runner here'),
        ...body,
      },
    },
  },
};
