// Deno entry for `deno serve`: a default export with fetch, KV in Deno KV under FERRY_STATE_DIR.

import { DenoKv, type DenoKvLike } from '../src/kv/deno.js';
import { DenoState, type DenoStateKvLike } from '../src/state/deno.js';
import { denoFetch } from './pinned-fetch.js';
import { buildApp } from './shared.js';

declare const Deno: {
  env: { get(name: string): string | undefined };
  openKv(path?: string): Promise<DenoKvLike & DenoStateKvLike>;
  mkdirSync(path: string, options: { recursive: boolean }): void;
};

const stateDir = Deno.env.get('FERRY_STATE_DIR') ?? '.ferry/deno';
Deno.mkdirSync(stateDir, { recursive: true });
const store = await Deno.openKv(`${stateDir}/kv.sqlite`);
// Deno's server has no socket timeouts: a slow body is cut by the app's own body deadline (docs/security.md).
const { app, announce } = buildApp({
  runtime: 'deno',
  hostname: Deno.env.get('HOST') ?? '127.0.0.1',
  kv: new DenoKv(store),
  state: new DenoState(store),
  env: (name) => Deno.env.get(name),
  fetch: denoFetch,
});

export default {
  fetch: app.fetch,
  onListen({ hostname, port }: { hostname: string; port: number }) {
    announce(`http://${hostname}:${port}`);
  },
};
