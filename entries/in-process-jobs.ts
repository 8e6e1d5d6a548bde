// The JobQueue on Node, Deno and Bun (and the tests' in-process service): jobs run in this process, a few at
// a time; a restarted process picks up what the last one left.

import type { Deps, JobQueue } from '../src/deps.js';
import { runJob, unfinishedJobs } from '../src/ops/jobs/index.js';

/** Runs jobs in this process, a few at a time; `resumePending` picks up what a previous process left. */
export class InProcessJobs implements JobQueue {
  readonly #deps: Deps;
  readonly #queue: string[] = [];
  readonly #running = new Map<string, AbortController>();
  readonly #concurrency: number;
  #idle: Array<() => void> = [];

  constructor(deps: Deps, concurrency = 2) {
    this.#deps = deps;
    this.#concurrency = concurrency;
  }

  cancel(id: string): void {
    this.#running.get(id)?.abort();
    const queued = this.#queue.indexOf(id);
    if (queued !== -1) this.#queue.splice(queued, 1);
  }

  enqueue(id: string): void {
    if (this.#running.has(id) || this.#queue.includes(id)) return;
    this.#queue.push(id);
    this.#next();
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

  #next(): void {
    while (this.#running.size < this.#concurrency && this.#queue.length) {
      const id = this.#queue.shift()!;
      const stop = new AbortController();
      this.#running.set(id, stop);
      runJob(this.#deps, id, { signal: stop.signal })
        .catch((error: unknown) =>
          this.#deps.log.error('job failed to run', { id, error: error instanceof Error ? error.message : 'unknown' }),
        )
        .finally(() => {
          this.#running.delete(id);
          this.#next();
          if (!this.#running.size) this.#idle.splice(0).forEach((resolve) => resolve());
        });
    }
  }
}
