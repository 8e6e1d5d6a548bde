// A registry's "slow down" (429/503 with Retry-After) held for every isolate and process, not only the
// one that was told: the time is kept in the state store, and each process looks there at most every few
// seconds per registry (one read, not one per request) and whenever it holds the gate itself.

import type { Deps } from '../../deps.js';
import { HostGate, type BackoffGate } from '../../registry/retry.js';
import { stateKeys } from '../../state/records.js';

// How stale a process's view of another process's hold may be: a subrequest per registry per this.
const LOOK_EVERY_MS = 5000;

export function sharedBackoffGate(deps: Deps, registryKey: string): BackoffGate {
  const local = new HostGate();
  const key = stateKeys.backoff(registryKey);
  let lookedAt = -Infinity;
  const look = async () => {
    lookedAt = deps.now();
    try {
      const entry = await deps.state.get(key);
      if (entry) local.holdUntil(Number(entry.value));
    } catch (error) {
      deps.log.warn('backoff gate: could not read the shared hold', {
        registry: registryKey,
        error: error instanceof Error ? error.message : 'unknown',
      });
    }
  };
  // The later time wins; a hold that passed expires by itself.
  const publish = async (time: number) => {
    const ttlSeconds = Math.max(1, Math.ceil((time - deps.now()) / 1000));
    for (;;) {
      const entry = await deps.state.get(key);
      if (entry && Number(entry.value) >= time) return;
      const written = entry
        ? await deps.state.update(key, entry.version, String(time), { ttlSeconds })
        : await deps.state.create(key, String(time), { ttlSeconds });
      if (written) return;
    }
  };
  return {
    async wait(waitDeps) {
      if (deps.now() - lookedAt >= LOOK_EVERY_MS || deps.now() < lookedAt) await look();
      await local.wait(waitDeps);
    },
    holdUntil(time) {
      local.holdUntil(time);
      deps.defer(
        publish(time).catch((error: unknown) =>
          deps.log.warn('backoff gate: could not share the hold', {
            registry: registryKey,
            error: error instanceof Error ? error.message : 'unknown',
          }),
        ),
      );
    },
  };
}
