// The retry policy on its own: which answers are retried, and how Retry-After is honoured.

import { describe, expect, it } from 'vitest';
import { fetchWithRetry, MAX_ATTEMPTS, parseRetryAfter } from '../../src/registry/retry.js';

function scripted(statuses: (number | 'network')[], headers: Record<string, string> = {}) {
  const calls: string[] = [];
  const waits: number[] = [];
  const deps = {
    now: () => Date.parse('2026-01-01T00:00:00Z'),
    sleep: async (ms: number) => void waits.push(ms),
    fetch: async (input: Request | string | URL) => {
      calls.push(String(input));
      const next = statuses.shift() ?? 200;
      if (next === 'network') throw new TypeError('connection reset');
      return new Response(null, { status: next, headers });
    },
  };
  return { deps, calls, waits };
}

const url = new URL('https://registry.example.com/v2/');

describe('fetchWithRetry', () => {
  it('retries 429 and 5xx for idempotent requests, then returns the success', async () => {
    const { deps, calls } = scripted([429, 503, 'network']);
    const res = await fetchWithRetry(deps, url, {}, true);
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(4);
  });

  it('gives up after the attempt limit with the last answer', async () => {
    const { deps, calls } = scripted(Array(MAX_ATTEMPTS + 1).fill(502));
    expect((await fetchWithRetry(deps, url, {}, true)).status).toBe(502);
    expect(calls).toHaveLength(MAX_ATTEMPTS);
  });

  it('does not retry a non-idempotent request or a 404', async () => {
    const post = scripted([503]);
    expect((await fetchWithRetry(post.deps, url, { method: 'POST' }, false)).status).toBe(503);
    expect(post.calls).toHaveLength(1);
    const missing = scripted([404]);
    expect((await fetchWithRetry(missing.deps, url, {}, true)).status).toBe(404);
    expect(missing.calls).toHaveLength(1);
  });

  it('waits as long as Retry-After says', async () => {
    const { deps, waits } = scripted([429], { 'retry-after': '2' });
    await fetchWithRetry(deps, url, {}, true);
    expect(waits).toEqual([2000]);
  });

  it('turns a network failure on the last attempt into UPSTREAM_UNAVAILABLE', async () => {
    const { deps } = scripted(Array(MAX_ATTEMPTS).fill('network'));
    await expect(fetchWithRetry(deps, url, {}, true)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
