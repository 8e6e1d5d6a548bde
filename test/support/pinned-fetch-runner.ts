// Runs the Deno or Bun entry's fetch the way Ferry calls it, for test/registry/egress-pinned-address-deno-bun:
// deno run --sloppy-imports -A test/support/pinned-fetch-runner.ts deno <port>
// bun run test/support/pinned-fetch-runner.ts bun <port>
// Prints one JSON object: what each case answered.

import process from 'node:process';
import { bunFetch, denoFetch } from '../../entries/pinned-fetch.js';
import { resolvingFetch } from '../../src/registry/egress.js';
import type { ConnectionInit, RegistryReach } from '../../src/registry/options.js';
import { isAppError } from '../../src/errors.js';

const [runtime, port] = process.argv.slice(-2) as [string, string];
const fetch = runtime === 'deno' ? denoFetch : bunFetch;

async function attempt(run: () => Promise<Response>) {
  try {
    const res = await run();
    return { status: res.status, body: await res.text(), url: res.url };
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    return { failed: String(error) };
  }
}

// Names that no resolver here knows: reaching them at all means the checked address was used.
const pinned = (name: string) => () =>
  fetch(`https://${name}:${port}/v2/?n=1`, { address: '127.0.0.1', redirect: 'manual' } as ConnectionInit);
// Ferry's address check, with its resolver injected: what each name "resolves" to.
const answers: Record<string, () => string[]> = {
  'failed.attacker.test': () => {
    throw new Error('SERVFAIL');
  },
  'empty.attacker.test': () => [],
  'loopback.attacker.test': () => ['127.0.0.1'],
};
const checked = resolvingFetch(fetch, async (name) => answers[name]!(), {
  registries: new Map(),
  allowPublicRegistries: true,
} satisfies RegistryReach);
const refused = (name: string) => () => checked(`https://${name}:${port}/v2/`, { redirect: 'manual' });

console.log(
  JSON.stringify({
    pinned: await attempt(pinned('registry.pinned.test')),
    otherName: await attempt(pinned('other.pinned.test')),
    failed: await attempt(refused('failed.attacker.test')),
    empty: await attempt(refused('empty.attacker.test')),
    loopback: await attempt(refused('loopback.attacker.test')),
  }),
);
