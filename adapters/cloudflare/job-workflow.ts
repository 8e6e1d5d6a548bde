// A job's Workflow: one instance per job, in steps (src/ops/jobs/steps.ts).

// @ts-expect-error -- 'cloudflare:workers' exists only inside workerd; the root tsconfig has no Workers types.
import { WorkflowEntrypoint } from 'cloudflare:workers';
import type { Deps } from '../../src/deps.js';
import { isAppError } from '../../src/errors.js';
import { failJob, holdJob, runJobInSteps } from '../../src/ops/jobs/index.js';
import { heldUntil } from '../../src/registry/retry.js';
import { depsFromEnv, flushMetrics, type Env } from './deps.js';

// Every step: a few tries with backoff, and room for a large blob over a slow link.
const STEP_CONFIG = { retries: { limit: 3, delay: '10 seconds', backoff: 'exponential' }, timeout: '60 minutes' };

// Holds a job sleeps through in a row before it fails as the registry's refusal. (The longest a step waits at
// a registry's gate is jobs.registryWaitInStepSeconds; a longer hold becomes a sleep of the instance.)
const MAX_PAUSES = 8;

/** A step's result when a registry held it off: the step's own results are left as they are. */
interface Held {
  registryHeldUntil: number;
}
const isHeld = (value: unknown): value is Held =>
  typeof value === 'object' && value !== null && typeof (value as Held).registryHeldUntil === 'number';

const isTimeout = (error: unknown) =>
  error instanceof Error &&
  (error.name === 'WorkflowTimeoutError' || error.message.startsWith('WorkflowTimeoutError:'));

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
    try {
      await runWorkflowJob(depsFromEnv(this.env), event.payload.id, step);
    } finally {
      flushMetrics(this.env);
    }
  }
}

/**
 * A job's Workflow run. It ends `failed` or done, never errored, so no sweep restarts what fails the same way again.
 */
export async function runWorkflowJob(given: Deps, id: string, step: WorkflowStep): Promise<void> {
  // A step may run an hour: a registry's longer hold (a pull reserve's window) is slept through between steps.
  const deps: Deps = { ...given, maxRegistryWaitMs: given.config.jobRegistryWaitInStepMs };
  const waitForEvent = async (name: string, type: string, ms: number) => {
    try {
      await step.waitForEvent(name, { type, timeout: ms });
      return true;
    } catch (error) {
      // The engine throws a WorkflowTimeoutError when the time passed first. It reaches the instance over RPC,
      // which keeps only built-in error names: wrangler's engine gives an Error whose message starts with it.
      if (isTimeout(error)) return false;
      throw error;
    }
  };
  try {
    await runJobInSteps(deps, id, {
      async do<T>(name: string, run: () => Promise<T>): Promise<T> {
        for (let pause = 0; ; pause++) {
          const outcome: T | Held = await step.do(
            pause ? `${name} after pause ${pause}` : name,
            STEP_CONFIG,
            async () => {
              try {
                return await run();
              } catch (error) {
                const until = heldUntil(error);
                if (until === undefined || pause >= MAX_PAUSES) throw error;
                return { registryHeldUntil: until } satisfies Held;
              }
            },
          );
          if (!isHeld(outcome)) return outcome;
          const until = outcome.registryHeldUntil;
          deps.log.info('job: a registry asked to wait; the job sleeps until then', {
            id,
            step: name,
            until: new Date(until).toISOString(),
          });
          await holdJob(deps, id, until);
          // No event of this type is ever sent: the wait is a sleep the engine keeps across restarts.
          await waitForEvent(`${name} pause ${pause + 1}`, 'registry-hold-ended', Math.max(1000, until - deps.now()));
        }
      },
      waitForEvent,
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
