// When each image was created, for selections by time: the tag summary's (its config's `created`; for an
// index, its `org.opencontainers.image.created` annotation, else its newest image's), read through inspect,
// whose answers are cached by digest: a warm run reads no config again.

import type { Deps } from '../../deps.js';
import { summarizeTags } from '../inspect/index.js';

/** Created times (epoch ms) of `tags` in `repository` ("registry/repository"); tags without one are absent. */
export async function createdTimes(deps: Deps, repository: string, tags: string[]): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (const summary of await summarizeTags(deps, repository, tags)) {
    const ms = summary.created ? Date.parse(summary.created) : Number.NaN;
    if (Number.isFinite(ms)) times.set(summary.tag, ms);
  }
  return times;
}
