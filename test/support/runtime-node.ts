// Test runtime seam, Node side: a fresh in-memory KV and state store per service.
import { MemoryKv } from '../../src/kv/memory.js';
import type { KvStore } from '../../src/kv/store.js';
import { MemoryState } from '../../src/state/memory.js';
import type { StateStore } from '../../src/state/store.js';
import type { runWorkflowJob, workflowJobs, WORKERS_DEFAULTS } from '../../worker.js';
import Ajv2020 from 'ajv/dist/2020.js';
import { openApiDocument } from '../../src/http/openapi/document.js';

export const runtimeName: 'node' | 'workerd' = 'node';
export const makeKv = (): KvStore => new MemoryKv();
export const makeState = (_prefix?: string): StateStore => new MemoryState();

/** Node is not Workers: no strict-platform mode here (see runtime-workerd.ts). */
export const workersPlatform:
  | {
      workflowJobs: typeof workflowJobs;
      runWorkflowJob: typeof runWorkflowJob;
      jobConcurrency: NonNullable<(typeof WORKERS_DEFAULTS)['jobConcurrency']>;
      workerFetch: (
        request: Request,
        bindings: Record<string, unknown>,
        ctx?: { waitUntil(work: Promise<unknown>): void },
      ) => Response | Promise<Response>;
    }
  | undefined = undefined;

/** Validates responses against /openapi.json's schemas (test/support/documented-responses.ts); Node only. */
export const schemaValidator = (() => {
  const ajv = new (
    Ajv2020 as unknown as new (options: object) => {
      addSchema(s: object, key: string): void;
      getSchema(ref: string): ((d: unknown) => boolean) | undefined;
    }
  )({ strict: false, allErrors: false, validateFormats: false });
  ajv.addSchema(openApiDocument() as object, 'openapi.json');
  return (pointer: string) => ajv.getSchema(pointer);
})();
