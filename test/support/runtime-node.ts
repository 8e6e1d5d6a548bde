// Test runtime seam, Node side: a fresh in-memory KV per service.
import { MemoryKv } from '../../src/kv/memory.js';
import type { KvStore } from '../../src/kv/store.js';

export const runtimeName: 'node' | 'workerd' = 'node';
export const makeKv = (): KvStore => new MemoryKv();
