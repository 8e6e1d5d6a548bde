// When each image was created, for selections by time: its config's `created`; for an index, its
// `org.opencontainers.image.created` annotation, else its first image's. Read through inspect, whose answers
// are cached by digest: a warm run reads no config again.

import type { Deps } from '../../deps.js';
import { isAppError } from '../../errors.js';
import { runPool } from '../../pool.js';
import { inspectImage, summarizeTags } from '../inspect/index.js';

// Indexes without the annotation whose first image is read at once.
const AT_ONCE = 8;

/** Created times (epoch ms) of `tags` in `repository` ("registry/repository"); tags without one are absent. */
export async function createdTimes(deps: Deps, repository: string, tags: string[]): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  const summaries = await summarizeTags(deps, repository, tags);
  await runPool(summaries, AT_ONCE, async (summary) => {
    let created = summary.created;
    if (!created && summary.kind === 'index' && summary.digest) {
      try {
        const index = await inspectImage(deps, `${repository}@${summary.digest}`);
        const first = index.manifests?.[0];
        if (first) created = (await inspectImage(deps, `${repository}@${first.digest}`)).config?.created;
      } catch (error) {
        if (!isAppError(error)) throw error; // an unreadable image has no known time: it is left out
      }
    }
    const ms = created ? Date.parse(created) : Number.NaN;
    if (Number.isFinite(ms)) times.set(summary.tag, ms);
  });
  return times;
}
