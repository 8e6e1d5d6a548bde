// The JobQueue on Workers: a job is a Workflow instance of its own id (FERRY_JOBS), created, woken,
// restarted or terminated through the Workflows binding.

import { failJob } from '../../src/ops/jobs/index.js';
import type { Deps, JobQueue } from '../../src/deps.js';

export interface WorkflowInstance {
  status(): Promise<{ status: string }>;
  restart(): Promise<void>;
  terminate(): Promise<void>;
  sendEvent(event: { type: string; payload: unknown }): Promise<void>;
}

export interface WorkflowBinding {
  create(options: { id: string; params: { id: string } }): Promise<unknown>;
  get(id: string): Promise<WorkflowInstance>;
}

/**
 * Jobs as Workflow instances, one per job id. The state store decided already that this job exists once
 * (create-if-absent), so an instance that already exists is success, not an error.
 */
export function workflowJobs(workflows: WorkflowBinding, deps: () => Deps): JobQueue {
  const create = async (id: string) => {
    try {
      await workflows.create({ id, params: { id } });
    } catch (error) {
      if (!/already exists/i.test(error instanceof Error ? error.message : String(error))) throw error;
    }
  };
  return {
    enqueue: create,
    async notify(id, type) {
      await (await workflows.get(id)).sendEvent({ type, payload: {} });
    },
    async cancel(id) {
      const instance = await workflows.get(id).catch(() => undefined);
      await instance?.terminate();
    },
    async wake(id) {
      let instance: WorkflowInstance;
      try {
        instance = await workflows.get(id);
      } catch {
        return create(id); // recorded, but the instance was never created
      }
      const { status } = await instance.status();
      if (status === 'paused') return; // paused on purpose, by someone with the dashboard or the API
      if (status === 'complete') {
        // A finished run never runs again; if it left its job unfinished, that job failed.
        await failJob(deps(), id, { code: 'INTERNAL', message: 'the job run ended without recording its result' });
        return;
      }
      if (status === 'errored' || status === 'terminated') return instance.restart();
      // Queued or running by its status, yet silent. The hosted engine resumes instances by itself; the
      // local one (wrangler, Miniflare) resumes an instance whose host was killed only when it next hears
      // from it. An event it does not wait for is kept and ignored by an instance that is alive.
      await instance.sendEvent({ type: 'ferry-wake', payload: {} });
    },
  };
}
