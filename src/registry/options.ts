// What the registry layer is given by the service: network, clock and log, and which registries it may
// reach. Not the service's Deps or whole configuration: this layer knows registries, nothing else.

import type { Credentials, RegistryConfig } from '../config.js';
import type { FetchLike, Logger } from '../deps.js';

/** Which registries may be called: the configured ones, and other public hosts when allowed. */
export interface RegistryReach {
  registries: ReadonlyMap<string, RegistryConfig>;
  allowPublicRegistries: boolean;
}

/**
 * When issued credentials are fetched anew: `none` (only near their expiry), `if-old` (the registry
 * answered 401, which mostly wants a token for another scope: renewed unless just issued), or `refused`
 * (the registry or its token server refused these very credentials: renewed now, unless already replaced).
 */
export type Renewal = 'none' | 'if-old' | { refused: Credentials };

export interface RegistryIo {
  fetch: FetchLike;
  /**
   * Credentials a cloud issues for a while (ECR and the like), in place of the configured ones. Undefined
   * for an entry whose credentials are stored.
   */
  issuedCredentials?(registryKey: string, renew: Renewal): Promise<Credentials | undefined>;
  sleep(ms: number): Promise<void>;
  now(): number;
  log: Logger;
}

export interface RegistryOptions extends RegistryReach, RegistryIo {}
