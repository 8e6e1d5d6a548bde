// What one copy costs in the units Workers limits: subrequests (fetches, KV and Durable Object calls)
// and KV operations, counted by the strict platform the workerd tests run under, for Ferry's own code
// serving one POST /v1/copy in process. Cases as the timings: cold, warm, same-registry new repository.

import { parseConfig } from '../src/config/parse.js';
import type { Deps, FetchLike, Logger } from '../src/deps.js';
import { realSleep } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import { MemoryKv } from '../src/kv/memory.js';
import { MemoryState } from '../src/state/memory.js';
import { StrictPlatform } from '../test/support/strict-platform.js';

export interface CopyCount {
  case: string;
  fetches: number;
  /** Fetches + KV + state store calls: what Workers counts against the invocation. */
  subrequests: number;
  kvReads: number;
  kvWrites: number;
  streamed: number;
  mounted: number;
  skipped: number;
  /** GETs of one manifest URL made more than once. */
  duplicateManifestGets: number;
}

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export async function countCopies(
  config: unknown,
  cases: { name: string; source: string; target: string }[],
): Promise<CopyCount[]> {
  const platform = new StrictPlatform(() => Date.now());
  let seen: string[] = [];
  const counting: FetchLike = (input, init) => {
    const request = new Request(input, init);
    seen.push(`${request.method} ${request.url}`);
    return fetch(request);
  };
  const deps: Deps = {
    kv: platform.kv(new MemoryKv()),
    state: platform.state(new MemoryState()),
    defer: (work) => platform.defer(work),
    fetch: platform.fetch(counting),
    config: parseConfig(config, () => undefined),
    now: () => Date.now(),
    sleep: realSleep,
    log: quiet,
  };
  const app = createApp(deps);
  const counts: CopyCount[] = [];
  for (const c of cases) {
    seen = [];
    const request = new Request('http://localhost/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify({ source: c.source, target: c.target }),
    });
    const response = await platform.serve(request, (r) => Promise.resolve(app.fetch(r)));
    const events = (await response.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; blob?: string; code?: string });
    const failed = events.find((e) => e.type === 'error');
    if (failed) throw new Error(`counted copy ${c.source} -> ${c.target} failed: ${JSON.stringify(failed)}`);
    await platform.settle(); // deferred cache writes belong to this invocation too
    const invocation = platform.invocations.at(-1)!;
    const manifestGets = seen.filter((s) => s.startsWith('GET ') && s.includes('/manifests/'));
    counts.push({
      case: c.name,
      fetches: seen.length,
      subrequests: invocation.subrequests,
      kvReads: invocation.kvReads,
      kvWrites: invocation.kvWrites,
      streamed: events.filter((e) => e.type === 'started').length,
      mounted: events.filter((e) => e.type === 'mounted').length,
      skipped: events.filter((e) => e.type === 'skipped').length,
      duplicateManifestGets: manifestGets.length - new Set(manifestGets).size,
    });
  }
  return counts;
}
