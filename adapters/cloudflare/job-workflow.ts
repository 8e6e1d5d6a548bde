// A job's Workflow: one instance per job, in steps (src/ops/jobs/steps.ts).

// @ts-expect-error -- 'cloudflare:workers' exists only inside workerd; the root tsconfig has no Workers types.
import { WorkflowEntrypoint } from 'cloudflare:workers';
import type { Deps } from '../../src/deps.js';
import { isAppError } from '../../src/errors.js';
import { failJob, runJobInSteps } from '../../src/ops/jobs/index.js';
import { depsFromEnv, type Env } from './deps.js';

// Every step: a few tries with backoff, and room for a large blob over a slow link.
const STEP_CONFIG = { retries: { limit: 3, delay: '10 seconds', backoff: 'exponential' }, timeout: '60 minutes' };

export interface WorkflowStep {
  do<T>(name: string, config: unknown, run: () => Promise<T>): Promise<T>;
  waitForEvent(name: string, options: { type: string; timeout: number }): Promise<unknown>;
}

/**
 * One Workflow instance per job, in steps: each blob is a step of its own (retried, and never redone
 * once finished), then the job step pushes manifests and tags (src/ops/jobs/steps.ts).
 */
export class FerryJobWorkflow extends (WorkflowEntrypoint as new (...args: unknown[]) => { env: Env }) {
  async run(event: { payload: { id: string } }, step: WorkflowStep): Promise<void> {
    await runWorkflowJob(depsFromEnv(this.env), event.payload.id, step);
  }
}

/**
 * A job's Workflow run. It ends `failed` or done, never errored, so no sweep restarts what fails the same way again.
 */
export async function runWorkflowJob(deps: Deps, id: string, step: WorkflowStep): Promise<void> {
  try {
    await runJobInSteps(deps, id, {
      do: (name, run) => step.do(name, STEP_CONFIG, run),
      async waitForEvent(name, type, ms) {
        try {
          await step.waitForEvent(name, { type, timeout: ms });
          return true;
        } catch (error) {
          // The engine throws a WorkflowTimeoutError when the time passed first.
          if (error instanceof Error && error.name === 'WorkflowTimeoutError') return false;
          throw error;
        }
      },
    });
  } catch (error) {
    // Steps retried already: what reaches here fails the same way again (a step result over its limit,
    // a step that kept failing). The job ends failed and the instance completes, so nothing restarts it.
    const code = isAppError(error) ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message.slice(0, 500) : 'the job run failed';
    deps.log.error('job run failed', { id, code, message });
    await failJob(deps, id, { code, message });
  }
}
