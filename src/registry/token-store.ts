// Where registry tokens are kept and how one exchange serves every caller that needs the same scope. The
// registry layer asks; the service decides the storage (src/ops/registries/tokens.ts: KV cache + state store).

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

export interface TokenStore {
  /**
   * A valid token for the scope: a stored one, or the result of `exchange`, run once for all callers
   * waiting on this scope at the same time. `fresh`: the registry refused the stored one; exchange anew.
   */
  obtain(key: TokenScopeKey, exchange: () => Promise<IssuedToken>, fresh: boolean): Promise<IssuedToken>;
}
