// The document's paths of sync sets: the sets, their runs and dry runs.

import { body, common, json, namePath, problem, upstream } from './parts.js';

export const syncPaths = {
  '/v1/syncs': {
    get: {
      operationId: 'listSyncSets',
      summary:
        'Sync sets the caller may run (inspect on every source, copy on every target) or administers: configured ' +
        '(read-only) and API-managed',
      responses: { '200': json('syncs'), ...common },
    },
  },
  '/v1/syncs/{name}': {
    get: {
      operationId: 'getSyncSet',
      summary: 'One sync set',
      parameters: [namePath('name')],
      responses: { '200': json('the set'), '404': problem('no such set, or one the caller may not run'), ...common },
    },
    put: {
      operationId: 'putSyncSet',
      summary:
        'Create or replace a sync set (needs admin over every source and target, and over the set it replaces); ' +
        'checked by the configuration schema (`syncs[]` in /config.schema.json)',
      parameters: [namePath('name')],
      requestBody: { required: true, content: { 'application/json': { schema: {} } } },
      responses: { '200': json('the stored set'), '409': problem('a configured set of that name'), ...common, ...body },
    },
    delete: {
      operationId: 'deleteSyncSet',
      summary: 'Delete an API-managed sync set (needs admin over it)',
      parameters: [namePath('name')],
      responses: {
        '204': { description: 'deleted' },
        '404': problem('no such set'),
        '409': problem('a configured set'),
        ...common,
      },
    },
  },
  '/v1/syncs/{name}/runs': {
    get: {
      operationId: 'listSyncRuns',
      summary: "The set's runs, newest first: started, finished, copied, skipped, pruned, failed, bytes, errors",
      parameters: [namePath('name')],
      responses: { '200': json('runs'), '404': problem('no such set'), ...common },
    },
    post: {
      operationId: 'runSyncSet',
      summary:
        'Run the set now (202: a job per source repository queued, which plans it, prunes and copies), or with ' +
        'dryRun its plan: copy, skip or prune per tag, nothing written',
      parameters: [namePath('name')],
      requestBody: {
        required: false,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/SyncRunRequest' } } },
      },
      responses: {
        '200': json('the dry run: the plan'),
        '202': json('the run, its jobs named'),
        '404': problem('no such set, or no such source repository in it'),
        '409': problem('a run of the set is under way (CONFLICT)'),
        ...common,
        ...body,
        '502': upstream['502'],
      },
    },
  },
};
