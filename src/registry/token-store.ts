// Where registry tokens are kept and how one exchange serves every caller that needs the same scope. The
// registry layer asks; the service decides the storage (src/ops/registries/tokens.ts: KV cache + state store).

import type { Deadlines } from './options.js';

export interface TokenScopeKey {
  registryKey: string;
  /** A non-reversible id of the credential (never the secret). */
  credentialId: string;
  /** A hash of realm, service and merged scopes. */
  scopeId: string;
}

export interface IssuedToken {
  token: string;
  /** Epoch milliseconds after which the token must not be used. */
  expiresAt: number;
}

/** A token request, plain data: it may cross to another object. It holds the credential: never log it. */
export interface TokenRequest {
  registryKey: string;
  /** The realm, checked already against the registry's own hosts. */
  realm: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  deadlines?: Deadlines;
}

/** One exchange: its request written down (a store may perform it itself), and `run`, which performs it here. */
export interface TokenExchange {
  request: TokenRequest;
  run(): Promise<IssuedToken>;
}

export interface TokenStore {
  /**
   * A valid token for the scope: a stored one, or the result of the exchange, made once for all callers
   * waiting on this scope at the same time. `fresh`: the registry refused the stored one; exchange anew.
   */
  obtain(key: TokenScopeKey, exchange: TokenExchange, fresh: boolean): Promise<IssuedToken>;
}
