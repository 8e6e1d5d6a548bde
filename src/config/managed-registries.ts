// The `managedRegistries` part of the configuration: the keys that seal credentials of registry entries
// added through the API, and what such entries may reach.

import { z } from 'zod';
import { fromBase64 } from '../encoding.js';
import type { ConfigProblems } from './problems.js';
import { SecretValueSchema, seconds } from './values.js';

/**
 * Registry entries admins add through `PUT /v1/registries/<host>` (stored in the consistent store, their
 * secret values sealed with AES-GCM under these keys), and what such entries may reach.
 */
export const ManagedRegistriesSchema = z
  .strictObject({
    /**
     * Keys that seal stored credentials: 32 random bytes, base64; each by its id, so old entries stay readable after a
     * rotation.
     */
    keys: z
      .array(
        z.strictObject({
          kid: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'key ids are 1-64 of A-Z a-z 0-9 _ . -'),
          key: SecretValueSchema,
        }),
      )
      .optional(),
    /** The key that seals new values (default: the first). */
    activeKid: z.string().optional(),
    /** Let API entries name private, loopback or link-local addresses (default: public addresses only). */
    allowPrivateAddresses: z.boolean().optional(),
    /** Let API entries speak plain http (default: https only). */
    allowInsecure: z.boolean().optional(),
    /** How long an instance uses the entries it read before reading them again (default 30). */
    cacheSeconds: seconds(0).optional(),
  })
  .refine(
    (m) => m.activeKid === undefined || (m.keys ?? []).some((k) => k.kid === m.activeKid),
    'activeKid names none of the keys',
  );

export interface ManagedRegistriesConfig {
  /** Raw AES-256 keys by id; empty: entries cannot hold credentials. */
  keys: { kid: string; key: Uint8Array }[];
  activeKid: string | undefined;
  allowPrivateAddresses: boolean;
  allowInsecure: boolean;
  /** How long an instance keeps the entries it read. */
  cacheMs: number;
}

// An instance reads API-managed entries again after this long: how late another instance sees a change.
const DEFAULT_MANAGED_CACHE_SECONDS = 30;

export function buildManagedRegistries(
  managed: z.infer<typeof ManagedRegistriesSchema>,
  problems: ConfigProblems,
): ManagedRegistriesConfig {
  const keys = (managed.keys ?? []).map((k, i) => {
    const text = problems.secret(`managedRegistries.keys[${i}].key`, k.key);
    let key: Uint8Array = new Uint8Array();
    try {
      key = fromBase64(text);
    } catch {
      // reported below
    }
    if (text && key.length !== 32)
      problems.add(
        `managedRegistries.keys[${i}].key`,
        'expected 32 random bytes, base64 (e.g. `openssl rand -base64 32`)',
      );
    return { kid: k.kid, key };
  });
  return {
    keys,
    activeKid: managed.activeKid ?? keys[0]?.kid,
    allowPrivateAddresses: managed.allowPrivateAddresses === true,
    allowInsecure: managed.allowInsecure === true,
    cacheMs: (managed.cacheSeconds ?? DEFAULT_MANAGED_CACHE_SECONDS) * 1000,
  };
}
