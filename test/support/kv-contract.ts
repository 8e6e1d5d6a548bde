// The contract every KvStore adapter keeps, as plain checks so it can run under vitest (Node, workerd)
// and under `deno run` / `bun run` (see kv-contract-runner.ts).

import type { KvStore } from '../../src/kv/store.js';

export interface ContractCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface ContractSubject {
  /** A fresh, empty store whose clock is `clock.now`. */
  make(clock: { now: () => number }): KvStore | Promise<KvStore>;
  /** False where the store keeps real time only (Workers KV in miniflare): expiry is then not checked. */
  fakeClock: boolean;
}

function check(name: string, condition: boolean, detail?: unknown): ContractCheck {
  return condition ? { name, ok: true } : { name, ok: false, detail: JSON.stringify(detail)?.slice(0, 300) };
}

export async function runKvContract(subject: ContractSubject): Promise<ContractCheck[]> {
  const results: ContractCheck[] = [];
  let time = Date.parse('2030-01-01T00:00:00Z');
  const clock = { now: () => time };
  const kv = await subject.make(clock);

  await kv.put('a:1', 'one');
  results.push(check('get returns what put stored', (await kv.get('a:1')) === 'one', await kv.get('a:1')));
  results.push(check('get of a missing key is null', (await kv.get('a:missing')) === null));
  await kv.put('a:1', 'uno');
  results.push(check('put replaces', (await kv.get('a:1')) === 'uno'));
  await kv.delete('a:1');
  results.push(check('delete removes', (await kv.get('a:1')) === null));
  await kv.delete('a:never');
  results.push(check('delete of a missing key is fine', true));

  const big = Array.from({ length: 4 * 1024 * 1024 + 7 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  await kv.put('big', big);
  const back = await kv.get('big');
  results.push(check('a 4 MiB value comes back whole', back === big, back?.length));
  await kv.put('big', 'small now');
  results.push(check('a large value can be replaced by a small one', (await kv.get('big')) === 'small now'));

  for (const k of ['p:b', 'p:a', 'p:c', 'q:a', 'p:d']) await kv.put(k, k);
  const all = await kv.list('p:');
  results.push(
    check(
      'list returns the prefix in key order',
      JSON.stringify(all.keys) === JSON.stringify(['p:a', 'p:b', 'p:c', 'p:d']) && !all.cursor,
      all,
    ),
  );
  const first = await kv.list('p:', { limit: 3 });
  const rest = await kv.list('p:', { limit: 3, ...(first.cursor ? { cursor: first.cursor } : {}) });
  results.push(
    check(
      'list pages with limit and cursor',
      JSON.stringify([...first.keys, ...rest.keys]) === JSON.stringify(['p:a', 'p:b', 'p:c', 'p:d']) &&
        !!first.cursor &&
        !rest.cursor,
      { first, rest },
    ),
  );

  if (subject.fakeClock) {
    await kv.put('t:short', 'soon gone', { ttlSeconds: 60 });
    await kv.put('t:long', 'stays', { ttlSeconds: 3600 });
    time += 30_000;
    results.push(check('a value is there before its TTL', (await kv.get('t:short')) === 'soon gone'));
    time += 31_000;
    results.push(check('a value is gone after its TTL', (await kv.get('t:short')) === null));
    results.push(check('other values keep theirs', (await kv.get('t:long')) === 'stays'));
    results.push(
      check('list leaves out expired keys', JSON.stringify((await kv.list('t:')).keys) === JSON.stringify(['t:long'])),
    );
  }
  return results;
}
