// The KV adapters available in this runtime keep the contract (memory everywhere; Workers KV inside workerd).

import { expect, it } from 'vitest';
import { MemoryKv } from '../../src/kv/memory.js';
import { runtimeName, makeKv } from '@test-runtime';
import { runKvContract } from '../support/kv-contract.js';

it('MemoryKv keeps the contract', async () => {
  const results = await runKvContract({ fakeClock: true, make: (clock) => new MemoryKv(clock.now) });
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.length).toBeGreaterThan(10);
});

it.runIf(runtimeName === 'workerd')('Workers KV (the binding, through CloudflareKv) keeps the contract', async () => {
  const results = await runKvContract({ fakeClock: false, make: () => makeKv() });
  expect(results.filter((r) => !r.ok)).toEqual([]);
});
