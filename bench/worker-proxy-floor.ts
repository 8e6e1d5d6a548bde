// The floor of serving bytes from a worker under `npm start`: a worker that only passes every request on to
// the registry (no Ferry code), started through wrangler's `unstable_startWorker` as `npm start` starts
// Ferry's. A pull through it shows what local workerd and wrangler's dev server cost by themselves.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unstable_startWorker } from 'wrangler';

/** Starts the pass-through worker in front of `upstream` (host:port); returns its host and a stop. */
export async function startProxyWorker(
  dir: string,
  upstream: string,
): Promise<{ host: string; stop(): Promise<void> }> {
  const entry = join(dir, 'proxy-worker.mjs');
  writeFileSync(
    entry,
    `export default {
  fetch(request) {
    const url = new URL(request.url);
    url.protocol = 'http:';
    url.host = ${JSON.stringify(upstream)};
    return fetch(new Request(url, request), { redirect: 'manual' });
  },
};
`,
  );
  const worker = await unstable_startWorker({
    name: 'ferry-bench-proxy-floor',
    entrypoint: entry,
    compatibilityDate: '2026-04-20',
    dev: {
      remote: false,
      inspector: false,
      watch: false,
      server: { hostname: '127.0.0.1', port: 0 },
      logLevel: 'warn',
    },
  });
  await worker.ready;
  const url = await worker.url;
  return { host: url.host, stop: () => worker.dispose() };
}
