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

it.runIf(runtimeName === 'workerd')(
  'the FerryState object purges expired rows from its alarm, and sets none when nothing will expire',
  async () => {
    // @ts-expect-error -- 'cloudflare:workers' exists only inside workerd.
    const { env } = await import('cloudflare:workers');
    const { runDurableObjectAlarm, runInDurableObject } = await import('cloudflare:test');
    const namespace = (env as { FERRY_STATE: any }).FERRY_STATE;
    const stub = namespace.get(namespace.idFromName(`expiry-${crypto.randomUUID()}`));
    const inside = <T>(look: (storage: any) => T) =>
      runInDurableObject(stub, (_object, state: any) => look(state.storage));
    const rows = () => inside((s) => Number(s.sql.exec('SELECT COUNT(*) AS n FROM ferry_state').one().n));
    await stub.create('expiry|forever', 'kept');
    expect(await inside((s) => s.getAlarm())).toBeNull();
    for (let i = 0; i < 3; i++) await stub.create(`expiry|${i}`, 'gone soon', { ttlSeconds: 1 });
    expect(await inside((s) => s.getAlarm())).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await rows()).toBe(4); // expired, absent to readers, not yet purged
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await rows()).toBe(1);
    expect(await inside((s) => s.getAlarm())).toBeNull();
  },
);
