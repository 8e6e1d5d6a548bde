// Fair job slots kept in the consistent store (src/ops/jobs/lane-slots.ts), as jobs take them on Workers,
// where every job is an instance of its own: a lane (a tenant, a registry) runs as many jobs as its limit,
// the next ones wait and are told when a slot is theirs, and a free slot goes to the tenant holding fewest.

import { expect, it } from 'vitest';
import { giveJobSlots, takeJobSlots } from '../../src/ops/jobs/lane-slots.js';
import type { JobLanes } from '../../src/ops/jobs/index.js';
import { makeService } from '../support/service.js';

function lanesService(limits: { tenantConcurrency: number; registryConcurrency: number }) {
  const service = makeService({ registries: {}, jobs: limits });
  const told: string[] = [];
  let clock = Date.parse('2026-12-07T10:00:00Z');
  service.deps.now = () => clock;
  service.deps.jobs = {
    enqueue: () => undefined,
    wake: () => undefined,
    cancel: () => undefined,
    notify: (id, type) => void told.push(`${id}:${type}`),
  };
  return { deps: service.deps, told, advance: (ms: number) => (clock += ms) };
}

const of = (tenant: string, ...registries: string[]): JobLanes => ({ tenant, registries });

it("a tenant's lane runs as many jobs as its limit; the next waits there and is told when a slot is free", async () => {
  const { deps, told } = lanesService({ tenantConcurrency: 2, registryConcurrency: 10 });
  const lanes = of('tenant-a', 'r.example');
  expect(await takeJobSlots(deps, 'a1', lanes)).toEqual({ taken: true });
  expect(await takeJobSlots(deps, 'a2', lanes)).toEqual({ taken: true });
  expect(await takeJobSlots(deps, 'a3', lanes)).toEqual({ taken: false, waitingAt: 'tenant:tenant-a' });
  expect(told).toEqual([]);

  await giveJobSlots(deps, 'a1', lanes);
  expect(told).toEqual(['a3:slot-free']);
  expect(await takeJobSlots(deps, 'a3', lanes, 'tenant:tenant-a')).toEqual({ taken: true });
  // Taking again what it holds (a replayed step) takes no second slot.
  expect(await takeJobSlots(deps, 'a3', lanes)).toEqual({ taken: true });
  expect(await takeJobSlots(deps, 'a4', lanes)).toMatchObject({ taken: false });
});

it("a registry's free slot goes to the tenant holding fewest of it, ahead of another tenant's longer queue", async () => {
  const { deps, told } = lanesService({ tenantConcurrency: 10, registryConcurrency: 2 });
  const a = of('tenant-a', 'r.example');
  const b = of('tenant-b', 'r.example');
  expect((await takeJobSlots(deps, 'a1', a)).taken).toBe(true);
  expect((await takeJobSlots(deps, 'a2', a)).taken).toBe(true);
  expect(await takeJobSlots(deps, 'a3', a)).toEqual({ taken: false, waitingAt: 'registry:r.example' });
  expect((await takeJobSlots(deps, 'a4', a)).taken).toBe(false);
  expect((await takeJobSlots(deps, 'b1', b)).taken).toBe(false); // queued last

  await giveJobSlots(deps, 'a1', a);
  expect(told).toEqual(['b1:slot-free']); // tenant A still holds one, B none
  expect((await takeJobSlots(deps, 'a3', a, 'registry:r.example')).taken).toBe(false);
  expect((await takeJobSlots(deps, 'b1', b, 'registry:r.example')).taken).toBe(true);

  await giveJobSlots(deps, 'a2', a);
  expect(told.at(-1)).toBe('a3:slot-free'); // then A's queue, oldest first
  expect((await takeJobSlots(deps, 'a4', a, 'registry:r.example')).taken).toBe(false);
  expect((await takeJobSlots(deps, 'a3', a, 'registry:r.example')).taken).toBe(true);
});

it('a job refused at one lane holds no slot of another, so nobody waits behind what it does not run', async () => {
  const { deps } = lanesService({ tenantConcurrency: 1, registryConcurrency: 2 });
  expect((await takeJobSlots(deps, 'x1', of('tenant-x', 'r.example'))).taken).toBe(true);
  // x2 finds a registry slot free, then its tenant's lane full: it gives the registry's slot back.
  expect(await takeJobSlots(deps, 'x2', of('tenant-x', 'r.example'))).toEqual({
    taken: false,
    waitingAt: 'tenant:tenant-x',
  });
  expect((await takeJobSlots(deps, 'y1', of('tenant-y', 'r.example'))).taken).toBe(true);
  expect((await takeJobSlots(deps, 'y2', of('tenant-y2', 'r.example'))).taken).toBe(false);
});

it('a lapsed lease frees its slot, and a waiter that stopped asking loses its place', async () => {
  const { deps, told, advance } = lanesService({ tenantConcurrency: 1, registryConcurrency: 10 });
  const lanes = of('tenant-a');
  expect((await takeJobSlots(deps, 'gone', lanes)).taken).toBe(true); // its instance vanished
  expect((await takeJobSlots(deps, 'w1', lanes)).taken).toBe(false);
  advance(5 * 3600_000 + 1);
  expect((await takeJobSlots(deps, 'w1', lanes, 'tenant:tenant-a')).taken).toBe(true);

  expect((await takeJobSlots(deps, 'silent', lanes)).taken).toBe(false);
  advance(16 * 60_000);
  expect((await takeJobSlots(deps, 'asking', lanes)).taken).toBe(false);
  await giveJobSlots(deps, 'w1', lanes);
  expect(told).toEqual(['asking:slot-free']);
});
