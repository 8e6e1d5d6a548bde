// The Workers Cache API (`caches.default`) as Ferry's EdgeCache.

import type { EdgeCache } from '../../src/deps.js';

interface WorkersCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

/** The data center's cache, where the runtime has one. */
export function workersEdgeCache(): EdgeCache | undefined {
  const cache = (globalThis as { caches?: { default?: WorkersCache } }).caches?.default;
  if (!cache) return undefined;
  return { match: (key) => cache.match(key), put: (key, response) => cache.put(key, response) };
}
