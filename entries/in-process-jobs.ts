// The JobQueue on Node, Deno and Bun (and the tests' in-process service): jobs run in this process, a few at
// a time and fairly (a slot per tenant and per registry: src/ops/jobs/fair-slots.ts); a restarted process
// picks up what the last one left.

import type { Deps, JobQueue } from '../src/deps.js';
import { FairSlots, getJob, jobLanes, runJob, unfinishedJobs, type JobLanes } from '../src/ops/jobs/index.js';

interface Waiting {
  id: string;
  /** Known once the job's record was read. */
  lanes?: JobLanes;
}

/** Runs jobs in this process, fairly; `resumePending` picks up what a previous process left. */
export class InProcessJobs implements JobQueue {
  readonly #deps: Deps;
  readonly #queue: Waiting[] = [];
  readonly #running = new Map<string, AbortController>();
  readonly #slots: FairSlots;
  #idle: Array<() => void> = [];

  constructor(deps: Deps) {
    this.#deps = deps;
    this.#slots = new FairSlots(deps.config.jobConcurrency);
  }

  cancel(id: string): void {
    this.#running.get(id)?.abort();
    const queued = this.#queue.findIndex((w) => w.id === id);
    if (queued !== -1) this.#queue.splice(queued, 1);
    this.#settleIdle();
  }

  enqueue(id: string): void {
    if (this.#running.has(id) || this.#queue.some((w) => w.id === id)) return;
    const waiting: Waiting = { id };
    this.#queue.push(waiting);
    // Its lanes come from its record; one that cannot be read runs in a lane of its own (and finds it gone).
    getJob(this.#deps, id)
      .then((job) => (waiting.lanes = job ? jobLanes(job) : { tenant: `job:${id}`, registries: [] }))
      .catch(() => (waiting.lanes = { tenant: `job:${id}`, registries: [] }))
      .finally(() => this.#next());
  }

  // A job this process runs or holds is alive; any other one is picked up.
  wake(id: string): void {
    this.enqueue(id);
  }

  /** Resolves once nothing runs or waits here (a run that was cancelled has returned). */
  idle(): Promise<void> {
    if (!this.#running.size && !this.#queue.length) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async resumePending(): Promise<number> {
    let found = 0;
    for await (const { id } of unfinishedJobs(this.#deps)) {
      this.enqueue(id);
      found++;
    }
    return found;
  }

  /** Starts every waiting job, oldest first, whose lanes have a slot free. */
  #next(): void {
    for (let i = 0; i < this.#queue.length;) {
      const { id, lanes } = this.#queue[i]!;
      if (!lanes || !this.#slots.free(lanes)) {
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      this.#slots.take(lanes);
      const stop = new AbortController();
      this.#running.set(id, stop);
      runJob(this.#deps, id, { signal: stop.signal })
        .catch((error: unknown) =>
          this.#deps.log.error('job failed to run', { id, error: error instanceof Error ? error.message : 'unknown' }),
        )
        .finally(() => {
          this.#running.delete(id);
          this.#slots.give(lanes);
          this.#next();
          this.#settleIdle();
        });
    }
  }

  #settleIdle(): void {
    if (!this.#running.size && !this.#queue.length) this.#idle.splice(0).forEach((resolve) => resolve());
  }
}
