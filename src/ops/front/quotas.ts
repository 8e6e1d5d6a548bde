// The pull quotas upstreams announce (Docker Hub's `ratelimit-remaining`), as last seen by this process or
// isolate: what `/healthz` shows, so an operator sees Ferry's own quota running out before pulls fail.

import type { RateLimit } from '../../registry/rate-limit.js';

export interface SeenQuota extends RateLimit {
  /** When it was announced (ISO 8601). */
  seenAt: string;
}

const seen = new Map<string, SeenQuota>();
// Registries remembered at most: a bounded map however many an alias reaches.
const MAX_REGISTRIES = 100;

export function noteQuota(registry: string, quota: RateLimit, now: number): void {
  if (!seen.has(registry) && seen.size >= MAX_REGISTRIES) return;
  seen.set(registry, { ...quota, seenAt: new Date(now).toISOString() });
}

/** Each registry's last announced quota. */
export function registryQuotas(): Record<string, SeenQuota> {
  return Object.fromEntries(seen);
}
