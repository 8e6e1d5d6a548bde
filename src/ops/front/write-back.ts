// Write-back: an image pulled through an alias with `cacheInto` is copied into that registry by a job, so
// later pulls of its digests are served from there and a failing upstream's tags too. The job's id names
// the image and where it goes: two clients pulling it at once start one copy.

import type { Deps } from '../../deps.js';
import { toHex, sha256, utf8 } from '../../encoding.js';
import { createCopyJobOnce } from '../jobs/index.js';
import type { FrontName } from './names.js';

/** The owner of write-back jobs: Ferry itself, reading only the upstream repository pulled. */
const WRITE_BACK_CALLER = 'front:write-back';

/** Starts (once) the copy of `tag` (now `digest`) into the alias's cache; nothing where there is none. */
export async function writeBack(deps: Deps, name: FrontName, tag: string, digest: string): Promise<void> {
  const cache = name.cache;
  if (!cache || !deps.jobs) return;
  const target = `${cache.registry}/${cache.repository}`;
  // A Workflow instance id: letters, digits, `_` and `-`, at most 100 characters.
  const id = `pulled_${toHex(await sha256(utf8(`${target}:${tag}@${digest}`))).slice(0, 40)}`;
  const source = `${name.registry}/${name.repository}`;
  const { created } = await createCopyJobOnce(
    deps,
    { source: `${source}@${digest}`, target: `${target}:${tag}` },
    { id: WRITE_BACK_CALLER, readScope: [source] },
    id,
    'pulled through the registry front (cacheInto)',
  );
  if (created) await deps.jobs.enqueue(id);
}
