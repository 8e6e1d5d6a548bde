// A registry's pull quota as it announces it: Docker Hub's `ratelimit-limit: 100;w=21600` and
// `ratelimit-remaining: 76;w=21600` (a count per window of w seconds), on manifest responses and 429s.

export interface RateLimit {
  limit: number;
  remaining: number;
  /** The window the counts are for, in seconds, when the registry says. */
  windowSeconds?: number;
}

function parseField(value: string | null): { count: number; window?: number } | undefined {
  const match = value?.trim().match(/^(\d{1,12})(?:\s*;\s*w=(\d{1,12}))?/);
  if (!match) return undefined;
  return { count: Number(match[1]), ...(match[2] ? { window: Number(match[2]) } : {}) };
}

/** The announced quota; undefined when the registry sent none (most do not). */
export function parseRateLimit(headers: Headers): RateLimit | undefined {
  const limit = parseField(headers.get('ratelimit-limit'));
  const remaining = parseField(headers.get('ratelimit-remaining'));
  if (!limit || !remaining) return undefined;
  const window = remaining.window ?? limit.window;
  return { limit: limit.count, remaining: remaining.count, ...(window !== undefined ? { windowSeconds: window } : {}) };
}
