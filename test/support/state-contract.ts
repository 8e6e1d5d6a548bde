// The contract every StateStore adapter keeps, as plain checks so it runs under vitest (Node, workerd)
// and under `deno run` / `bun run` (state-contract-runner.ts).

import type { StateStore } from '../../src/state/store.js';
import type { JobIndexRow } from '../../src/state/job-index.js';

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

  for (const name of ['j:3', 'j:1', 'j:2', 'j:4', 'j:5']) await store.create(key(name), name);
  const first = await store.list(key('j:'), { limit: 2 });
  const rest = await store.list(key('j:'), { limit: 10, ...(first.cursor ? { cursor: first.cursor } : {}) });
  results.push(
    check(
      'list pages with limit and cursor, in key order',
      JSON.stringify([...first.entries, ...rest.entries].map((e) => e.value)) ===
        JSON.stringify(['j:1', 'j:2', 'j:3', 'j:4', 'j:5']) &&
        !!first.cursor &&
        !rest.cursor,
      { first, rest },
    ),
  );
  await store.create(`h${run}|j:9`, 'other group');
  results.push(
    check(
      'list stays inside the group its prefix names',
      (await store.list(key('j:'))).entries.every((e) => e.key.startsWith(key('j:'))),
    ),
  );

  results.push(...(await jobIndexChecks(store, run, passTime)));
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

/** The job index's contract: newest first, filtered by its columns, paged by cursor, a row replaced in place. */
async function jobIndexChecks(
  store: StateStore,
  run: string,
  passTime: (ms: number) => Promise<void>,
): Promise<StateCheck[]> {
  const results: StateCheck[] = [];
  const owner = `key:${run}`;
  const row = (n: number, fields: Partial<JobIndexRow> = {}): JobIndexRow => ({
    id: `${run}-${n}`,
    owner,
    kind: 'copy',
    state: 'running',
    createdAt: new Date(Date.parse('2030-01-01T00:00:00Z') + n * 1000).toISOString(),
    updatedAt: '2030-01-01T00:00:00.000Z',
    detail: `{"n":${n}}`,
    ...fields,
  });
  await store.jobIndex.put(row(1), 3600);
  await store.jobIndex.put(row(3, { kind: 'promote', rule: `r${run}`, state: 'done' }), 3600);
  await store.jobIndex.put(row(2, { parent: `${run}-1` }), 3600);
  await store.jobIndex.put(row(4, { owner: `key:other-${run}` }), 3600);
  const ids = (page: { rows: JobIndexRow[] }) => page.rows.map((r) => r.id.slice(run.length + 1)).join(',');
  const mine = await store.jobIndex.list({ owner, limit: 10 });
  results.push(
    check("a list by owner has that owner's rows, newest first", ids(mine) === '3,2,1' && !mine.cursor, mine),
  );
  results.push(
    check('a row comes back as it was written', JSON.stringify(mine.rows[2]) === JSON.stringify(row(1)), mine.rows[2]),
  );
  const p1 = await store.jobIndex.list({ owner, limit: 2 });
  const p2 = await store.jobIndex.list({ owner, limit: 2, ...(p1.cursor ? { cursor: p1.cursor } : {}) });
  results.push(
    check('a list pages by cursor', ids(p1) === '3,2' && !!p1.cursor && ids(p2) === '1' && !p2.cursor, { p1, p2 }),
  );
  results.push(
    check(
      'a list by rule, by parent, and by owner and state',
      ids(await store.jobIndex.list({ rule: `r${run}`, limit: 10 })) === '3' &&
        ids(await store.jobIndex.list({ parent: `${run}-1`, limit: 10 })) === '2' &&
        ids(await store.jobIndex.list({ owner, state: 'running', kind: 'copy', limit: 10 })) === '2,1',
    ),
  );
  await store.jobIndex.put(row(1, { state: 'failed', updatedAt: '2030-01-01T00:01:00.000Z' }), 3600);
  results.push(
    check(
      "a put replaces the row's state in every index",
      ids(await store.jobIndex.list({ owner, state: 'running', limit: 10 })) === '2' &&
        ids(await store.jobIndex.list({ owner, state: 'failed', limit: 10 })) === '1' &&
        ids(await store.jobIndex.list({ owner, limit: 10 })) === '3,2,1',
    ),
  );
  await store.jobIndex.put(row(5, { owner: `key:brief-${run}` }), 1);
  await passTime(1300);
  results.push(
    check(
      'an expired row is left out',
      (await store.jobIndex.list({ owner: `key:brief-${run}`, limit: 10 })).rows.length === 0,
    ),
  );
  return results;
}
