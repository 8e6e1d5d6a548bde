// The state adapters available in this runtime keep the contract: memory everywhere; inside workerd, the
// FerryState Durable Object (SQLite-backed) reached through its binding, as the deployed worker uses it.

import { expect, it } from 'vitest';
import { runtimeName, makeState } from '@test-runtime';
import { MemoryState } from '../../src/state/memory.js';
import { runStateContract } from '../support/state-contract.js';

it('MemoryState keeps the state contract', async () => {
  const results = await runStateContract({ fakeClock: true, make: (clock) => new MemoryState(clock.now) });
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.length).toBeGreaterThan(20);
});

it.runIf(runtimeName === 'workerd')('the FerryState Durable Object keeps the state contract', async () => {
  const results = await runStateContract({ fakeClock: false, make: () => makeState() });
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.length).toBeGreaterThan(20);
});
