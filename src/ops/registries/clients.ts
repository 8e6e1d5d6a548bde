// The one place that turns Deps into registry clients: one client per registry per configuration, so auth
// challenges are learned once, with the service's token store and backoff gate behind them.

import { detached, type Deps, type FetchLike } from '../../deps.js';
import type { FerryConfig } from '../../config/parse.js';
import { TokenCache } from '../../registry/auth.js';
import { RegistryClient } from '../../registry/client.js';
import { resolvingFetch } from '../../registry/egress.js';
import type { RegistryOptions } from '../../registry/options.js';
import { sharedBackoffGate } from './backoff-gate.js';
import { cloudCredentials } from './cloud/credentials.js';
import { tokenStore } from './tokens.js';
import { recordUpstream } from './upstream-metrics.js';

// Keyed by the configuration object: every request's Deps of one isolate share it.
const clients = new WeakMap<FerryConfig, { tokens: TokenCache; byRegistry: Map<string, RegistryClient> }>();

/**
 * What the registry layer gets of Deps: reached through `deps` at each call, so a test that swaps the
 * clock or the fetch after the client exists is heard.
 */
function registryOptions(deps: Deps): RegistryOptions {
  const fetch: FetchLike = (input, init) => deps.fetch(input, init);
  return {
    registries: deps.config.registries,
    allowPublicRegistries: deps.config.allowPublicRegistries,
    fetch: deps.resolveHost ? resolvingFetch(fetch, deps.resolveHost, deps.config) : fetch,
    issuedCredentials: (registryKey, renew) => cloudCredentials(deps, registryKey, renew),
    deadlines: deps.config.deadlines,
    referrerBounds: { entries: deps.config.limits.referrerEntries, bytes: deps.config.limits.referrerBytes },
    sleep: (ms) => deps.sleep(ms),
    now: () => deps.now(),
    log: deps.log,
    ...(deps.metrics ? { heard: (registry, answer) => recordUpstream(deps.metrics!, registry, answer) } : {}),
    ...(deps.explainNetworkFailure ? { explainNetworkFailure: deps.explainNetworkFailure } : {}),
  };
}

export function registryClient(deps: Deps, registryKey: string): RegistryClient {
  let held = clients.get(deps.config);
  // The token store outlives this request: it must not hold the request's waitUntil. Its one cache write
  // happens while the copy that needed the token still runs, so plain background work is enough.
  const isolateDeps: Deps = { ...deps, defer: detached };
  if (!held)
    clients.set(
      deps.config,
      (held = {
        tokens: new TokenCache({ ...isolateDeps, deadlines: deps.config.deadlines }, tokenStore(isolateDeps)),
        byRegistry: new Map(),
      }),
    );
  let client = held.byRegistry.get(registryKey);
  if (!client)
    held.byRegistry.set(
      registryKey,
      (client = RegistryClient.create(
        registryOptions(deps),
        registryKey,
        held.tokens,
        sharedBackoffGate(isolateDeps, registryKey),
      )),
    );
  return client.within({
    signal: deps.signal,
    hosts: deps.hostsReached,
    requests: deps.requestsMade,
    maxWaitMs: deps.maxRegistryWaitMs,
    trace: deps.trace,
  });
}
