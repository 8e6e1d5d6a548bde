// The contract every StateStore adapter keeps, as plain checks so it runs under vitest (Node, workerd)
// and under `deno run` / `bun run` (state-contract-runner.ts).

import type { StateStore } from '../../src/state/store.js';

export interface StateCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface StateSubject {
  /** A fresh, empty store whose clock is `clock.now` (when `fakeClock`). */
  make(clock: { now: () => number }): StateStore | Promise<StateStore>;
  /** False where the store keeps real time only (a Durable Object): expiry is then checked by waiting. */
  fakeClock: boolean;
}

function check(name: string, condition: boolean, detail?: unknown): StateCheck {
  return condition ? { name, ok: true } : { name, ok: false, detail: JSON.stringify(detail)?.slice(0, 300) };
}

export async function runStateContract(subject: StateSubject): Promise<StateCheck[]> {
  const results: StateCheck[] = [];
  let time = Date.parse('2030-01-01T00:00:00Z');
  const clock = { now: () => time };
  const passTime = async (ms: number) => {
    if (subject.fakeClock) time += ms;
    else await new Promise((resolve) => setTimeout(resolve, ms));
  };
  const store = await subject.make(clock);
  const run = crypto.randomUUID().slice(0, 8);
  const key = (name: string) => `g${run}|${name}`;

  results.push(check('create of a new key wins', (await store.create(key('a'), 'one')) === true));
  results.push(check('create of a held key loses', (await store.create(key('a'), 'two')) === false));
  const a = await store.get(key('a'));
  results.push(check('get returns the first value at version 1', a?.value === 'one' && a.version === 1, a));
  results.push(check('get of a missing key is null', (await store.get(key('missing'))) === null));

  results.push(check('update at the current version wins', (await store.update(key('a'), 1, 'uno')) === true));
  results.push(check('update at a stale version loses', (await store.update(key('a'), 1, 'stale')) === false));
  const a2 = await store.get(key('a'));
  results.push(check('an update adds one to the version', a2?.value === 'uno' && a2.version === 2, a2));
  results.push(check('update of a missing key loses', (await store.update(key('missing'), 1, 'x')) === false));

  const racers = await Promise.all(Array.from({ length: 16 }, (_, i) => store.create(key('race'), `r${i}`)));
  results.push(check('16 concurrent creates: exactly one wins', racers.filter(Boolean).length === 1, racers));
  const raced = await store.get(key('race'));
  const casRacers = await Promise.all(
    Array.from({ length: 16 }, (_, i) => store.update(key('race'), raced!.version, `c${i}`)),
  );
  results.push(
    check(
      '16 concurrent compare-and-sets on one version: exactly one wins',
      casRacers.filter(Boolean).length === 1,
      casRacers,
    ),
  );

  await store.delete(key('a'));
  results.push(check('delete removes', (await store.get(key('a'))) === null));
  results.push(
    check(
      'a deleted key can be created again',
      (await store.create(key('a'), 'again')) === true && (await store.get(key('a')))?.version === 1,
    ),
  );

  for (const [name, state] of [
    ['j:3', 'running'],
    ['j:1', 'queued'],
    ['j:2', 'running'],
    ['j:4', 'done'],
    ['j:5', 'running'],
  ] as const) {
    await store.create(key(name), name, { labels: [`state:${state}`, 'kind:copy'] });
  }
  await store.create(`h${run}|j:9`, 'other group', { labels: ['state:running'] });
  const running = await store.list(key('j:'), { label: 'state:running' });
  results.push(
    check(
      'list by label returns only those entries, in key order, inside the group',
      JSON.stringify(running.entries.map((e) => e.key)) === JSON.stringify([key('j:2'), key('j:3'), key('j:5')]) &&
        !running.cursor,
      running,
    ),
  );
  results.push(
    check(
      'a label matches whole labels only',
      (await store.list(key('j:'), { label: 'state:run' })).entries.length === 0,
    ),
  );
  const first = await store.list(key('j:'), { limit: 2 });
  const rest = await store.list(key('j:'), { limit: 10, ...(first.cursor ? { cursor: first.cursor } : {}) });
  results.push(
    check(
      'list pages with limit and cursor',
      JSON.stringify([...first.entries, ...rest.entries].map((e) => e.value)) ===
        JSON.stringify(['j:1', 'j:2', 'j:3', 'j:4', 'j:5']) &&
        !!first.cursor &&
        !rest.cursor,
      { first, rest },
    ),
  );
  const j3 = await store.get(key('j:3'));
  await store.update(key('j:3'), j3!.version, 'j:3', { labels: ['state:done'] });
  results.push(
    check(
      'an update sets labels anew',
      (await store.list(key('j:'), { label: 'state:running' })).entries.length === 2 &&
        (await store.list(key('j:'), { label: 'state:done' })).entries.length === 2,
    ),
  );

  await store.create(key('t:short'), 'soon gone', { ttlSeconds: 1 });
  await store.create(key('t:long'), 'stays', { ttlSeconds: 3600 });
  results.push(check('an entry is there before its TTL', (await store.get(key('t:short')))?.value === 'soon gone'));
  await passTime(1300);
  results.push(check('an entry is gone after its TTL', (await store.get(key('t:short'))) === null));
  results.push(check('update of an expired entry loses', (await store.update(key('t:short'), 1, 'x')) === false));
  results.push(
    check(
      'create takes over an expired entry',
      (await store.create(key('t:short'), 'new')) === true && (await store.get(key('t:short')))?.version === 1,
    ),
  );
  results.push(check('other entries keep theirs', (await store.get(key('t:long')))?.value === 'stays'));
  await store.create(key('t:gone'), 'x', { ttlSeconds: 1 });
  await passTime(1300);
  results.push(
    check(
      'list leaves out expired entries',
      JSON.stringify((await store.list(key('t:'))).entries.map((e) => e.value)) === JSON.stringify(['stays', 'new']),
    ),
  );
  return results;
}
