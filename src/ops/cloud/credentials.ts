// Registry credentials that a cloud hands out for a while: fetched when first needed, shared by every
// copy of this isolate, renewed a little before they expire or at once when the registry refuses them
// (a revoked token), one fetch at a time per registry.

import type { CloudAuth, Credentials, FerryConfig } from '../../config.js';
import type { Deps } from '../../deps.js';
import { ecrCredentials } from './aws.js';
import { acrCredentials } from './azure.js';
import { googleCredentials } from './google.js';

export interface IssuedCredentials {
  credentials: Credentials;
  /** Epoch ms after which they no longer work. */
  expiresAt: number;
}

// Renewed this long before they expire, so no request starts with credentials about to die.
const RENEW_BEFORE_MS = 5 * 60_000;
// Any 401 asks for renewal, and most are a bearer token wanting another scope: credentials this young
// are kept, so a burst of such answers does not cost a cloud round trip each.
const KEEP_AT_LEAST_MS = 60_000;

const held = new WeakMap<FerryConfig, Map<string, { current?: IssuedCredentials & { issuedAt: number }; pending?: Promise<IssuedCredentials> }>>();

function issue(deps: Deps, registryKey: string, cloud: CloudAuth): Promise<IssuedCredentials> {
  if (cloud.kind === 'aws') return ecrCredentials(deps, registryKey, cloud);
  if (cloud.kind === 'google') return googleCredentials(deps, registryKey, cloud);
  return acrCredentials(deps, registryKey, cloud);
}

/** The credentials of a registry entry whose auth comes from a cloud; undefined for any other entry. */
export async function cloudCredentials(deps: Deps, registryKey: string, renew: boolean): Promise<Credentials | undefined> {
  const cloud = deps.config.registries.get(registryKey)?.cloud;
  if (!cloud) return undefined;
  let cache = held.get(deps.config);
  if (!cache) held.set(deps.config, (cache = new Map()));
  let entry = cache.get(registryKey);
  if (!entry) cache.set(registryKey, (entry = {}));
  const now = deps.now();
  const current = entry.current;
  if (current && now < current.expiresAt - RENEW_BEFORE_MS && (!renew || now - current.issuedAt < KEEP_AT_LEAST_MS)) return current.credentials;
  const slot = entry;
  slot.pending ??= issue(deps, registryKey, cloud).finally(() => (slot.pending = undefined));
  slot.current = { ...(await slot.pending), issuedAt: now };
  return slot.current.credentials;
}
