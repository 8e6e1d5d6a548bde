// Registry credentials that a cloud hands out for a while: fetched when first needed, shared by every
// copy of this isolate, renewed a little before they expire or at once when the registry refuses them
// (a revoked token), one fetch at a time per registry.

import type { CloudAuth } from '../../../config/clouds.js';
import type { FerryConfig } from '../../../config/parse.js';
import type { Deps } from '../../../deps.js';
import type { Credentials, Renewal } from '../../../registry/options.js';
import { ecrCredentials } from './aws.js';
import { acrCredentials } from './azure.js';
import { githubAppCredentials } from './github.js';
import { googleCredentials } from './google.js';
import type { IssuedCredentials } from './calls.js';

// Renewed this long before they expire, so no request starts with credentials about to die.
const RENEW_BEFORE_MS = 5 * 60_000;
// Any 401 asks for renewal, and most are a bearer token wanting another scope: credentials this young
// are kept, so a burst of such answers does not cost a cloud round trip each.
const KEEP_AT_LEAST_MS = 60_000;

const held = new WeakMap<
  FerryConfig,
  Map<string, { current?: IssuedCredentials & { issuedAt: number }; pending?: Promise<IssuedCredentials> }>
>();

function issue(deps: Deps, registryKey: string, cloud: CloudAuth): Promise<IssuedCredentials> {
  if (cloud.kind === 'aws') return ecrCredentials(deps, registryKey, cloud);
  if (cloud.kind === 'google') return googleCredentials(deps, registryKey, cloud);
  if (cloud.kind === 'github-app') return githubAppCredentials(deps, registryKey, cloud);
  return acrCredentials(deps, registryKey, cloud);
}

/** The credentials of a registry entry whose auth comes from a cloud; undefined for any other entry. */
export async function cloudCredentials(
  deps: Deps,
  registryKey: string,
  renew: Renewal = 'none',
): Promise<Credentials | undefined> {
  const cloud = deps.config.registries.get(registryKey)?.cloud;
  if (!cloud) return undefined;
  let cache = held.get(deps.config);
  if (!cache) held.set(deps.config, (cache = new Map()));
  let entry = cache.get(registryKey);
  if (!entry) cache.set(registryKey, (entry = {}));
  const now = deps.now();
  const current = entry.current;
  const usable = current && now < current.expiresAt - RENEW_BEFORE_MS;
  if (usable && renew === 'none') return current.credentials;
  if (usable && renew === 'if-old' && now - current.issuedAt < KEEP_AT_LEAST_MS) return current.credentials;
  // Refused credentials another request already replaced: the new ones.
  if (usable && typeof renew === 'object' && current.credentials !== renew.refused) return current.credentials;
  const slot = entry;
  slot.pending ??= issue(deps, registryKey, cloud)
    .then((issued) => ((slot.current = { ...issued, issuedAt: now }), issued))
    .finally(() => (slot.pending = undefined));
  return (await slot.pending).credentials;
}
