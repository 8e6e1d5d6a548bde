// Sigstore's trusted_root.json (application/vnd.dev.sigstore.trustedroot+json): the certificate
// authorities (Fulcio), transparency logs (Rekor v1 and v2), CT logs and timestamp authorities a
// verifier trusts, each for a period. A malformed root is refused whole rather than half-trusted.

import { fromBase64 } from '../encoding.js';
import { parseCertificate, type X509 } from './certificates.js';
import { importPublicKey, rsaPublicKeyToSpki, type PublicKey } from './public-keys.js';

export class TrustedRootError extends Error {}

export interface Period {
  start: Date;
  /** Absent: still valid. The end is included. */
  end?: Date;
}

export interface TrustedLog {
  baseUrl: string;
  /** Rekor v1 and CT logs: SHA-256 of the key's SPKI; Rekor v2: the signed-note key id. */
  logId: Uint8Array;
  key: PublicKey;
  validFor: Period;
}

export interface TrustedAuthority {
  uri: string;
  /** The authority's certificates, the issuing one first, the root last. */
  chain: X509[];
  validFor: Period;
}

export interface TrustedRoot {
  tlogs: TrustedLog[];
  ctlogs: TrustedLog[];
  certificateAuthorities: TrustedAuthority[];
  timestampAuthorities: TrustedAuthority[];
}

export const within = (period: Period, at: Date) =>
  at >= period.start && (period.end === undefined || at <= period.end);

export async function parseTrustedRoot(text: string): Promise<TrustedRoot> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new TrustedRootError('the trusted root is not JSON');
  }
  if (typeof doc?.mediaType !== 'string' || !doc.mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw new TrustedRootError('not a Sigstore trusted root (mediaType application/vnd.dev.sigstore.trustedroot+json)');
  }
  const list = (key: string) => (Array.isArray(doc[key]) ? (doc[key] as Record<string, any>[]) : []);
  return {
    tlogs: await Promise.all(list('tlogs').map((l, i) => parseLog(l, `tlogs[${i}]`))),
    ctlogs: await Promise.all(list('ctlogs').map((l, i) => parseLog(l, `ctlogs[${i}]`))),
    certificateAuthorities: list('certificateAuthorities').map((a, i) =>
      parseAuthority(a, `certificateAuthorities[${i}]`),
    ),
    timestampAuthorities: list('timestampAuthorities').map((a, i) => parseAuthority(a, `timestampAuthorities[${i}]`)),
  };
}

async function parseLog(log: Record<string, any>, where: string): Promise<TrustedLog> {
  try {
    return {
      baseUrl: String(log.baseUrl ?? ''),
      logId: fromBase64(String(log.logId?.keyId ?? ''), `${where}.logId.keyId`),
      key: await importPublicKey(keyBytes(log.publicKey, where)),
      validFor: period(log.publicKey?.validFor, where),
    };
  } catch (error) {
    if (error instanceof TrustedRootError) throw error;
    throw new TrustedRootError(`${where}: ${error instanceof Error ? error.message : 'unreadable'}`);
  }
}

// Keys are SubjectPublicKeyInfo, except where keyDetails says PKCS #1 RSA.
function keyBytes(publicKey: { rawBytes?: string; keyDetails?: string } | undefined, where: string): Uint8Array {
  const raw = fromBase64(String(publicKey?.rawBytes ?? ''), `${where}.publicKey.rawBytes`);
  return publicKey?.keyDetails?.startsWith('PKCS1_RSA') ? rsaPublicKeyToSpki(raw) : raw;
}

function parseAuthority(authority: Record<string, any>, where: string): TrustedAuthority {
  const certificates = authority.certChain?.certificates;
  if (!Array.isArray(certificates) || !certificates.length) throw new TrustedRootError(`${where}: no certChain`);
  try {
    return {
      uri: String(authority.uri ?? ''),
      chain: certificates.map((c: { rawBytes?: string }, i: number) =>
        parseCertificate(fromBase64(String(c.rawBytes ?? ''), `${where}.certChain.certificates[${i}]`)),
      ),
      validFor: period(authority.validFor, where),
    };
  } catch (error) {
    if (error instanceof TrustedRootError) throw error;
    throw new TrustedRootError(`${where}: ${error instanceof Error ? error.message : 'unreadable'}`);
  }
}

// A validity period must say when it starts; one left out entirely means "always".
function period(value: { start?: string; end?: string } | undefined, where: string): Period {
  if (value === undefined) return { start: new Date(0) };
  const start = value.start ? new Date(value.start) : undefined;
  if (!start || Number.isNaN(start.getTime())) throw new TrustedRootError(`${where}: validFor has no valid start`);
  const end = value.end ? new Date(value.end) : undefined;
  if (end && Number.isNaN(end.getTime())) throw new TrustedRootError(`${where}: validFor.end is not a time`);
  return { start, ...(end ? { end } : {}) };
}
