// Public keys as signature formats carry them (SubjectPublicKeyInfo DER, or PEM around it), checked with
// Web Crypto: ECDSA P-256/P-384/P-521 (signatures DER-encoded, as Go and OpenSSL write them), RSA
// (PKCS #1 v1.5 or PSS) and Ed25519.

import { AsnConvert } from '@peculiar/asn1-schema';
import { ECDSASigValue, ECParameters } from '@peculiar/asn1-ecc';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { encodeTlv } from './der.js';
import { concatBytes, pemBlocks } from '../encoding.js';

export type Hash = 'SHA-256' | 'SHA-384' | 'SHA-512';
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';

const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const ED25519 = '1.3.101.112';
const CURVES: Record<string, { algorithm: KeyAlgorithm; namedCurve: string; size: number; hash: Hash }> = {
  '1.2.840.10045.3.1.7': { algorithm: 'ecdsa-p256', namedCurve: 'P-256', size: 32, hash: 'SHA-256' },
  '1.3.132.0.34': { algorithm: 'ecdsa-p384', namedCurve: 'P-384', size: 48, hash: 'SHA-384' },
  '1.3.132.0.35': { algorithm: 'ecdsa-p521', namedCurve: 'P-521', size: 66, hash: 'SHA-512' },
};

export class KeyError extends Error {}

export interface PublicKey {
  algorithm: KeyAlgorithm;
  /** The hash the key's usual signatures use (ECDSA: by curve; RSA: SHA-256). */
  hash: Hash;
  spki: Uint8Array;
  /** True when `signature` signs `data` under this key; a malformed signature is false, never a throw. */
  verify(data: Uint8Array, signature: Uint8Array, hash?: Hash): Promise<boolean>;
}

/** One public key from PEM ("PUBLIC KEY") text. */
export function parsePublicKeyPem(pem: string): Promise<PublicKey> {
  const [der] = pemBlocks(pem, 'PUBLIC KEY');
  if (!der) throw new KeyError('expected a PEM "PUBLIC KEY" block');
  return importPublicKey(der);
}

export async function importPublicKey(spki: Uint8Array): Promise<PublicKey> {
  try {
    return await importSpki(spki);
  } catch (error) {
    if (error instanceof KeyError) throw error;
    throw new KeyError(`the key does not load: ${error instanceof Error ? error.message : 'unreadable'}`);
  }
}

/** A PKCS #1 RSAPublicKey (as some trust roots give CT log keys) wrapped as a SubjectPublicKeyInfo. */
export function rsaPublicKeyToSpki(pkcs1: Uint8Array): Uint8Array {
  const algorithm = new Uint8Array([
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
  ]);
  return encodeTlv(0x30, concatBytes(algorithm, encodeTlv(0x03, concatBytes(new Uint8Array([0]), pkcs1))));
}

// Some runtimes throw on a signature they cannot parse (Deno: "Invalid key format") where others answer
// false: either way it does not verify.
async function verified(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

async function importSpki(spki: Uint8Array): Promise<PublicKey> {
  let info: SubjectPublicKeyInfo;
  try {
    info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  } catch {
    throw new KeyError('not a DER SubjectPublicKeyInfo');
  }
  const oid = info.algorithm.algorithm;
  if (oid === EC_PUBLIC_KEY) {
    let curveOid: string | undefined;
    try {
      curveOid = info.algorithm.parameters
        ? AsnConvert.parse(info.algorithm.parameters, ECParameters).namedCurve
        : undefined;
    } catch {
      curveOid = undefined;
    }
    const curve = curveOid ? CURVES[curveOid] : undefined;
    if (!curve) throw new KeyError(`unsupported elliptic curve ${curveOid ?? '(none named)'}`);
    const key = await crypto.subtle.importKey(
      'spki',
      spki as BufferSource,
      { name: 'ECDSA', namedCurve: curve.namedCurve },
      false,
      ['verify'],
    );
    return {
      algorithm: curve.algorithm,
      hash: curve.hash,
      spki,
      verify: (data, signature, hash = curve.hash) =>
        verified(async () => {
          const raw = ecdsaDerToRaw(signature, curve.size);
          return (
            raw !== undefined &&
            crypto.subtle.verify({ name: 'ECDSA', hash }, key, raw as BufferSource, data as BufferSource)
          );
        }),
    };
  }
  if (oid === RSA_ENCRYPTION) {
    const keys = new Map<string, Promise<CryptoKey>>();
    const keyFor = (name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS', hash: Hash) => {
      const id = `${name}/${hash}`;
      if (!keys.has(id))
        keys.set(
          id,
          crypto.subtle.importKey('spki', spki as BufferSource, { name, hash }, false, [
            'verify',
          ]) as Promise<CryptoKey>,
        );
      return keys.get(id)!;
    };
    await keyFor('RSASSA-PKCS1-v1_5', 'SHA-256'); // refuses a malformed key now
    return {
      algorithm: 'rsa',
      hash: 'SHA-256',
      spki,
      verify: async (data, signature, hash = 'SHA-256') =>
        (await verified(async () =>
          crypto.subtle.verify(
            'RSASSA-PKCS1-v1_5',
            await keyFor('RSASSA-PKCS1-v1_5', hash),
            signature as BufferSource,
            data as BufferSource,
          ),
        )) ||
        verified(async () =>
          crypto.subtle.verify(
            { name: 'RSA-PSS', saltLength: hashBytes(hash) },
            await keyFor('RSA-PSS', hash),
            signature as BufferSource,
            data as BufferSource,
          ),
        ),
    };
  }
  if (oid === ED25519) {
    const key = await crypto.subtle.importKey('spki', spki as BufferSource, { name: 'Ed25519' }, false, ['verify']);
    return {
      algorithm: 'ed25519',
      hash: 'SHA-512',
      spki,
      verify: (data, signature) =>
        verified(() => crypto.subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, data as BufferSource)),
    };
  }
  throw new KeyError(`unsupported public key algorithm ${oid}`);
}

const hashBytes = (hash: Hash) => ({ 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 })[hash];

/** ECDSA-Sig-Value (DER SEQUENCE of r, s) to Web Crypto's fixed-width r || s; undefined if malformed. */
function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array | undefined {
  let value: ECDSASigValue;
  try {
    value = AsnConvert.parse(der, ECDSASigValue);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(size * 2);
  for (const [i, part] of [new Uint8Array(value.r), new Uint8Array(value.s)].entries()) {
    let start = 0;
    while (start < part.length - 1 && part[start] === 0) start++;
    const digits = part.subarray(start);
    if (digits.length > size) return undefined;
    out.set(digits, i * size + size - digits.length);
  }
  return out;
}
