// A registry that says "slow down" (429, Retry-After: 2) to one isolate is waited for by every other
// isolate or process sharing the state store, before its first request: the hold is not per process.

import { makeState } from '@test-runtime';
import { expect, inject, it } from 'vitest';
import { stateKeys } from '../../src/state/records.js';
import { runCopy, uniqueRepository } from '../support/copying.js';
import type { FaultLogEntry } from '../support/transport-faults.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const target = fixture.targets.anonymous.host;
const source = fixture.faultProxy;

it("a 429 with Retry-After seen by one isolate holds another's requests to that registry", async () => {
  const state = makeState();
  const clock = Date.now();
  const throttled = crypto.randomUUID();
  const told = makeService(
    {
      registries: {
        [source]: { insecure: true, headers: { 'x-ferry-fault': 'throttle', 'x-ferry-fault-id': throttled } },
        [target]: { insecure: true },
      },
    },
    { state, sleep: async () => {} },
  );
  told.deps.now = () => clock;
  const first = await runCopy(told, {
    source: `${source}/ferry-test/v2s2:v1`,
    target: `${target}/${uniqueRepository('backoff/told')}:v1`,
  });
  expect(first.final.type, JSON.stringify(first.final)).toBe('done');
  const log = (await (await fetch(`http://${source}/__faultlog/${throttled}`)).json()) as FaultLogEntry[];
  expect(log.filter((e) => e.status === 429)).toHaveLength(3);
  // The hold is shared after the answer (best-effort): wait until it is there.
  for (let i = 0; i < 50 && !(await state.get(stateKeys.backoff(source))); i++)
    await new Promise((r) => setTimeout(r, 20));

  // Another isolate: its own caches and clients, the same state store, never throttled itself.
  const slept: number[] = [];
  const other = makeService(
    { registries: localRegistries(source, target) },
    { state, sleep: async (ms) => void slept.push(ms) },
  );
  other.deps.now = () => clock + 500;
  const second = await runCopy(other, {
    source: `${source}/ferry-test/v2s2:v1`,
    target: `${target}/${uniqueRepository('backoff/other')}:v1`,
  });
  expect(second.final.type, JSON.stringify(second.final)).toBe('done');
  expect(slept[0]).toBe(1500); // what was left of the 2 s hold
}, 60_000);
