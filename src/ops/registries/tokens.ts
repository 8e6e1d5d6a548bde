// Registry tokens for the whole service: a KV cache in front (written once per scope per token lifetime),
// and one exchange at a time per scope, so 32 copies (or two processes sharing a store) needing the same
// scope fetch one token between them. Where the store makes exchanges itself (a Durable Object), each caller
// asks it once and is answered from the one exchange; elsewhere the store decides who exchanges, and the
// others look for its token.

import type { Deps } from '../../deps.js';
import { cacheRead, cacheWrite } from '../../kv/cache.js';
import { getToken, putToken, recordKeys } from '../../kv/records.js';
import type { IssuedToken, TokenExchange, TokenScopeKey, TokenStore } from '../../registry/token-store.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson } from '../../state/store.js';

/** The flight record: `token` is absent while the winner is still exchanging. */
interface Flight {
  token?: string;
  expiresAt?: number;
}

// A winner that takes longer than this is presumed dead; its claim lapses and another caller exchanges.
const CLAIM_SECONDS = 30;
// How often a waiting caller looks for the winner's token, and for how long in all.
const POLL_MS = 25;
const MAX_WAIT_MS = 20_000;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function tokenStore(deps: Deps): TokenStore {
  return {
    async obtain(key: TokenScopeKey, exchange: TokenExchange, fresh: boolean): Promise<IssuedToken> {
      const cacheKey = recordKeys.token(key.registryKey, key.credentialId, key.scopeId);
      const flightKey = stateKeys.tokenFlight(key.registryKey, key.credentialId, key.scopeId);
      if (!fresh) {
        const cached = await cacheRead(deps, 'token', () => getToken(deps.kv, cacheKey, deps.now()));
        if (cached) return cached;
      }
      if (deps.state.tokenExchanges) {
        const issued = await deps.state.tokenExchanges.exchange(flightKey, exchange.request, fresh);
        const now = deps.now();
        cacheWrite(deps, 'token', cacheKey, () => putToken(deps.kv, cacheKey, issued, now));
        return issued;
      }
      const usable = (f: Flight | undefined, rejected?: string): f is IssuedToken =>
        typeof f?.token === 'string' &&
        typeof f.expiresAt === 'number' &&
        f.expiresAt > deps.now() &&
        f.token !== rejected;

      // The registry refused the token we hold: the flight's token (if it is that one) no longer counts.
      const rejected = fresh ? (await getStateJson<Flight>(deps.state, flightKey))?.value.token : undefined;
      const started = deps.now();
      for (;;) {
        const flight = await getStateJson<Flight>(deps.state, flightKey);
        if (usable(flight?.value, rejected)) return flight.value;
        const claimed = flight
          ? !flight.value.token
            ? false
            : await deps.state.update(flightKey, flight.version, '{}', { ttlSeconds: CLAIM_SECONDS })
          : await deps.state.create(flightKey, '{}', { ttlSeconds: CLAIM_SECONDS });
        if (claimed) return win(deps, flightKey, cacheKey, exchange.run);
        if (deps.now() - started > MAX_WAIT_MS) return exchange.run(); // the store is stuck: do not wait for ever
        await pause(POLL_MS);
      }
    },
  };
}

async function win(
  deps: Deps,
  flightKey: string,
  cacheKey: string,
  exchange: () => Promise<IssuedToken>,
): Promise<IssuedToken> {
  let issued: IssuedToken;
  try {
    issued = await exchange();
  } catch (error) {
    await deps.state.delete(flightKey).catch(() => undefined); // let a waiting caller try its own exchange
    throw error;
  }
  const ttlSeconds = Math.ceil((issued.expiresAt - deps.now()) / 1000);
  if (ttlSeconds > 0) {
    const held = await deps.state.get(flightKey);
    if (held) await deps.state.update(flightKey, held.version, JSON.stringify(issued), { ttlSeconds });
    const now = deps.now();
    cacheWrite(deps, 'token', cacheKey, () => putToken(deps.kv, cacheKey, issued, now));
  }
  return issued;
}
