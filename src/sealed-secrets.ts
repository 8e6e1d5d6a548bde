// Secret values at rest: AES-256-GCM under a key named by id (so a rotation leaves older values readable
// while their key stays configured), bound to where the value belongs (additional data), so a sealed
// password cannot be moved to another registry entry or field and still open.

import { fromBase64, toBase64 } from './encoding.js';

export interface SealingKey {
  kid: string;
  key: Uint8Array;
}

export interface SealedValue {
  sealed: { kid: string; iv: string; data: string };
}

export class SealError extends Error {}

export function isSealed(value: unknown): value is SealedValue {
  return typeof value === 'object' && value !== null && 'sealed' in value;
}

const imported = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function cryptoKey(key: Uint8Array): Promise<CryptoKey> {
  let held = imported.get(key);
  if (!held)
    imported.set(
      key,
      (held = crypto.subtle.importKey('raw', key as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt'])),
    );
  return held;
}

export async function seal(key: SealingKey, plaintext: string, context: string): Promise<SealedValue> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: iv as BufferSource, additionalData: new TextEncoder().encode(context) },
    await cryptoKey(key.key),
    new TextEncoder().encode(plaintext),
  );
  return { sealed: { kid: key.kid, iv: toBase64(iv), data: toBase64(new Uint8Array(data)) } };
}

/** The value, or SealError: its key is no longer configured, or it was altered or moved. */
export async function unseal(keys: SealingKey[], value: SealedValue, context: string): Promise<string> {
  const key = keys.find((k) => k.kid === value.sealed.kid);
  if (!key) throw new SealError(`sealed with key "${value.sealed.kid}", which is not configured`);
  try {
    const iv = fromBase64(value.sealed.iv);
    const data = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: iv as BufferSource, additionalData: new TextEncoder().encode(context) },
      await cryptoKey(key.key),
      fromBase64(value.sealed.data) as BufferSource,
    );
    return new TextDecoder().decode(data);
  } catch {
    throw new SealError(`a value sealed with key "${key.kid}" does not open: altered, or moved from elsewhere`);
  }
}
