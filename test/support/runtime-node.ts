// Test runtime seam, Node side: a fresh in-memory KV and state store per service.
import { MemoryKv } from '../../src/kv/memory.js';
import type { KvStore } from '../../src/kv/store.js';
import { MemoryState } from '../../src/state/memory.js';
import type { StateStore } from '../../src/state/store.js';
import type { runWorkflowJob, workflowJobs } from '../../worker.js';

export const runtimeName: 'node' | 'workerd' = 'node';
export const makeKv = (): KvStore => new MemoryKv();
export const makeState = (): StateStore => new MemoryState();

/** Node is not Workers: no strict-platform mode here (see runtime-workerd.ts). */
export const workersPlatform:
  | { workflowJobs: typeof workflowJobs; runWorkflowJob: typeof runWorkflowJob; workerFetch: (request: Request, bindings: Record<string, unknown>) => Response | Promise<Response> }
  | undefined = undefined;
