// What a synchronous copy may spend in the one invocation that serves it. Workers counts subrequests
// (fetches, KV and Durable Object calls) and KV operations per invocation; a copy that would pass them
// dies half-way, so its plan is priced before any byte moves, and a plan over budget becomes a job.

import type { SyncBudget } from '../../config/parse.js';
import type { CopyPlan } from './plan.js';

export interface PlanCost extends SyncBudget {
  blobs: number;
  bytes: number;
}

// Per copy, whatever its size: token exchanges, resolving the source, the first upload's auth challenge,
// the job and cache records (a copy reads two KV records and writes two at most).
const FIXED_SUBREQUESTS = 16;
const COPY_KV_OPERATIONS = 4;

/**
 * The most a copy of `plan` under `tags` costs: each blob streamed (HEAD, open upload, GET, PUT; a
 * chunked upload a PATCH and a state write per chunk more), each manifest fetched and pushed, each tag
 * checked and pushed. `chunksFor`: how many chunks the target takes a blob of that size in (none: one PUT).
 */
export function planCost(plan: CopyPlan, tags: number, chunksFor: (size: number) => number): PlanCost {
  let subrequests = FIXED_SUBREQUESTS + 2 * plan.manifests.length + 2 * tags;
  let bytes = 0;
  for (const blob of plan.blobs) {
    const size = Math.max(0, blob.size);
    bytes += size;
    subrequests += 4 + 2 * chunksFor(size);
  }
  return { blobs: plan.blobs.length, bytes, subrequests, kvOperations: COPY_KV_OPERATIONS };
}

/** Why `cost` does not fit `budget` (what a 202 says), or undefined when it fits. */
export function overBudget(cost: SyncBudget, budget: SyncBudget): string | undefined {
  const number = (n: number) => n.toLocaleString('en-US');
  if (cost.subrequests > budget.subrequests)
    return `plan exceeds synchronous budget: ${number(cost.subrequests)} subrequests > ${number(budget.subrequests)}`;
  if (cost.kvOperations > budget.kvOperations)
    return (
      `plan exceeds synchronous budget: ${number(cost.kvOperations)} KV operations > ` +
      `${number(budget.kvOperations)}`
    );
  return undefined;
}

/**
 * A copy's running account: what its copies (one per tag for many tags) would spend together. `admit`
 * throws OverBudget before the copy that would pass the budget moves anything.
 */
export class SyncAccount {
  #spent: SyncBudget = { subrequests: 0, kvOperations: 0 };
  constructor(private readonly budget: SyncBudget) {}

  admit(cost: PlanCost): void {
    const total = {
      subrequests: this.#spent.subrequests + cost.subrequests,
      kvOperations: this.#spent.kvOperations + cost.kvOperations,
    };
    const reason = overBudget(total, this.budget);
    if (reason) throw new OverBudget(reason);
    this.#spent = total;
  }
}

/** A synchronous copy's plan does not fit its invocation: the caller hands it to a job. */
export class OverBudget extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
