// Copies that need the same token scope at once share one token exchange: the state store lets one caller
// exchange while the others wait for its token (and the token is cached once, not once per copy). Within one
// isolate they wait on that caller's exchange itself: at most one state call per copy for the token, none
// spent polling (issue 30). On Workers the token's Durable Object makes the exchange, so copies in different
// isolates ask it once each too.

import { expect, inject, it } from 'vitest';
import { uniqueRepository } from '../support/copying.js';
import { makeService, type TestService } from '../support/service.js';
import { COPIES, seedTarget, tokenConfig, warmCopy } from '../support/token-copies.js';
import { tokenRequestScopes } from '../support/token-log.js';
import { makeState, runtimeName } from '@test-runtime';
import { MemoryState } from '../../src/state/memory.js';
import type { StateStore } from '../../src/state/store.js';

const fixture = inject('fixture');

const post = (service: TestService) => (body: unknown) =>
  service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

it(`${COPIES} concurrent copies needing the same token scopes fetch one token per scope`, async () => {
  const repository = uniqueRepository('tokens/shared');
  await seedTarget(post(makeService(tokenConfig(fixture))), fixture, repository);
  const before = (await tokenRequestScopes(fixture.token.server, repository)).length;

  // Its own caches and state, every call on a token's entry counted: every copy starts without a token.
  const tokenCalls: string[] = [];
  const state = countingCalls(new MemoryState(), (method, key) => {
    if (key.startsWith('tokens:')) tokenCalls.push(`${method} ${key}`);
  });
  const service = makeService(tokenConfig(fixture), { state });
  const answers = await Promise.all(
    Array.from({ length: COPIES }, async (_, i) => {
      const r = await post(service)(warmCopy(fixture, repository, i));
      return `${r.status} ${r.status === 200 ? '' : await r.text()}`;
    }),
  );
  expect(answers.filter((a) => !a.startsWith('200'))).toEqual([]);
  await service.settle();
  expect((await tokenRequestScopes(fixture.token.server, repository)).slice(before)).toEqual([
    `repository:${repository}:pull`,
  ]);
  // The KV cache got each token once: the target's and the source's.
  expect((await service.deps.kv.list('v1:token:')).keys).toHaveLength(2);
  // Two scopes (source pull, target push and pull), each read, claimed, read back and written once by its
  // exchanger; the other copies wait on that exchange (before: 40 calls, the waiters polling every 25 ms).
  const methods = tokenCalls.map((call) => call.split(' ')[0]).sort();
  expect(methods, tokenCalls.join('\n')).toEqual(['create', 'create', 'get', 'get', 'get', 'get', 'update', 'update']);
}, 60_000);

/** The store, with `seen` told the method and key of every call. */
function countingCalls(store: StateStore, seen: (method: string, key: string) => void): StateStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      // A store that makes token exchanges itself: each request to it is a call too.
      if (name === 'tokenExchanges' && value) {
        const exchanges = value as NonNullable<StateStore['tokenExchanges']>;
        return {
          exchange: (key: string, request: object, fresh: boolean) => (
            seen('exchange', key),
            exchanges.exchange(key, request, fresh)
          ),
        };
      }
      if (typeof value !== 'function') return value;
      return (key: string, ...rest: unknown[]) => {
        seen(String(name), key);
        return (value as (...args: unknown[]) => unknown).call(target, key, ...rest);
      };
    },
  });
}

it.runIf(runtimeName === 'workerd')(
  '20 copies from 20 isolates at once: one token exchange, and one state call each for the token (the object exchanges)',
  async () => {
    const repository = uniqueRepository('tokens/isolates');
    await seedTarget(post(makeService(tokenConfig(fixture))), fixture, repository);
    const before = (await tokenRequestScopes(fixture.token.server, repository)).length;
    // One state store (the FerryState objects), 20 services each with its own caches: 20 isolates.
    const shared = makeState();
    const tokenCalls: string[] = [];
    const note = (method: string, key: string) => key.startsWith('tokens:') && tokenCalls.push(`${method} ${key}`);
    const state = countingCalls(shared, note);
    const services = Array.from({ length: 20 }, () => makeService(tokenConfig(fixture), { state }));
    const answers = await Promise.all(
      services.map(async (service, i) => {
        const r = await post(service)(warmCopy(fixture, repository, i));
        return `${r.status} ${r.status === 200 ? '' : await r.text()}`;
      }),
    );
    expect(answers.filter((a) => !a.startsWith('200'))).toEqual([]);
    expect((await tokenRequestScopes(fixture.token.server, repository)).slice(before)).toEqual([
      `repository:${repository}:pull`,
    ]);
    // Each copy asks for each of its two scopes once: 40 calls at most, none spent polling.
    expect(tokenCalls.length, tokenCalls.join('\n')).toBeLessThanOrEqual(40);
    expect(tokenCalls.every((call) => call.startsWith('exchange '))).toBe(true);
  },
  60_000,
);
