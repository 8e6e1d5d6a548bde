// A running job's record kept fresh: progress at most once a second, a heartbeat when nothing moves.

import type { Deps } from '../../deps.js';
import type { JobProgress } from './progress.js';
import { isFinished, updateJob } from './record.js';

// Progress is written at most this often: a poller needs no more, and each write is a store round trip.
const PROGRESS_WRITE_MS = 1000;

/**
 * Writes a running job's record: on progress at most once per PROGRESS_WRITE_MS, and at least every third
 * of `jobs.staleAfterSeconds` without progress (one large blob can take minutes: this heartbeat tells a
 * live job from a dead one). Writes go one after another, so a slow one never lands after the final state.
 * `prepare` takes the snapshot to write.
 */
export function progressWriter(
  deps: Deps,
  prepare: () => () => Promise<unknown>,
): { changed(): void; stop(): Promise<void> } {
  let lastWrite = deps.now();
  let writing: Promise<unknown> = Promise.resolve();
  const write = () => {
    lastWrite = deps.now();
    const run = prepare();
    writing = writing.then(run).catch(() => undefined);
  };
  const heartbeatMs = deps.config.jobStaleAfterMs / 3;
  const heartbeat = setInterval(
    () => deps.now() - lastWrite >= heartbeatMs && write(),
    Math.max(PROGRESS_WRITE_MS, heartbeatMs / 2),
  );
  return {
    changed: () => void (deps.now() - lastWrite >= PROGRESS_WRITE_MS && write()),
    async stop() {
      clearInterval(heartbeat);
      await writing;
    },
  };
}

/**
 * Progress from outside the job step (Workflow blob steps): the job runs, this much is done. A finished job is left as
 * it is.
 */
export async function noteProgress(deps: Deps, id: string, progress: JobProgress): Promise<void> {
  await updateJob(deps, id, (job) => (isFinished(job) ? null : { ...job, state: 'running', progress }));
}
