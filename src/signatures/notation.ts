// Notation signatures (notaryproject): a JWS envelope (JSON serialization) whose payload names the target
// artifact's descriptor, signed by the leaf of an x509 chain (`x5c`) that must lead to a certificate of
// the rule's trust store, with a leaf subject among the trusted identities ("x509.subject: …", or "*").
// Signing scheme notary.x509: certificates are checked at verification time, as Notation does.

import { AsnConvert } from '@peculiar/asn1-schema';
import { Name } from '@peculiar/asn1-x509';
import { encodeTlv } from './der.js';
import { concatBytes, equalBytes, fromBase64, fromBase64Url, utf8 } from '../encoding.js';
import { isSelfIssued, parseCertificate, verifyChain, type X509 } from './certificates.js';
import type { Hash } from './public-keys.js';
import { Refusal } from './refusal.js';

export const NOTATION_JWS = 'application/jose+json';
const PAYLOAD_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
const UNDERSTOOD_CRITICAL = new Set(['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry']);
const ALGORITHMS: Record<string, { hash: Hash; family: 'rsa-pss' | 'ecdsa'; size?: number }> = {
  PS256: { hash: 'SHA-256', family: 'rsa-pss' },
  PS384: { hash: 'SHA-384', family: 'rsa-pss' },
  PS512: { hash: 'SHA-512', family: 'rsa-pss' },
  ES256: { hash: 'SHA-256', family: 'ecdsa', size: 32 },
  ES384: { hash: 'SHA-384', family: 'ecdsa', size: 48 },
  ES512: { hash: 'SHA-512', family: 'ecdsa', size: 66 },
};

export interface NotationTrust {
  roots: X509[];
  identities: string[];
  /** When certificates must be valid; defaults to now. */
  at?: Date;
}

export async function verifyNotation(
  envelopeBytes: Uint8Array,
  mediaType: string,
  digest: string,
  trust: NotationTrust,
): Promise<{ identity: string; time: Date }> {
  if (mediaType !== NOTATION_JWS)
    throw new Refusal(`a Notation envelope of type ${mediaType}; only JWS (${NOTATION_JWS}) is verified`);
  let jws: { payload?: unknown; protected?: unknown; header?: { x5c?: unknown }; signature?: unknown };
  let header: Record<string, unknown>;
  let payload: { targetArtifact?: { digest?: unknown } };
  try {
    jws = JSON.parse(new TextDecoder().decode(envelopeBytes));
    header = JSON.parse(new TextDecoder().decode(fromBase64Url(String(jws.protected ?? ''))));
    payload = JSON.parse(new TextDecoder().decode(fromBase64Url(String(jws.payload ?? ''))));
  } catch {
    throw new Refusal('the Notation envelope is not a JWS of JSON');
  }
  const algorithm = ALGORITHMS[String(header.alg)];
  if (!algorithm) throw new Refusal(`unsupported JWS algorithm ${JSON.stringify(header.alg)}`);
  if (header.cty !== PAYLOAD_TYPE)
    throw new Refusal(`the payload is ${JSON.stringify(header.cty)}, not ${PAYLOAD_TYPE}`);
  if (header['io.cncf.notary.signingScheme'] !== 'notary.x509')
    throw new Refusal(
      `signing scheme ${JSON.stringify(header['io.cncf.notary.signingScheme'])} is not verified (notary.x509 is)`,
    );
  const critical = Array.isArray(header.crit) ? (header.crit as unknown[]) : [];
  if (!critical.includes('io.cncf.notary.signingScheme') || critical.some((c) => !UNDERSTOOD_CRITICAL.has(String(c))))
    throw new Refusal('the envelope has critical headers this verifier does not know');
  const now = trust.at ?? new Date();
  if (typeof header['io.cncf.notary.expiry'] === 'string' && new Date(header['io.cncf.notary.expiry']) < now)
    throw new Refusal('the signature has expired');
  const signingTime = new Date(String(header['io.cncf.notary.signingTime'] ?? ''));
  if (Number.isNaN(signingTime.getTime())) throw new Refusal('the envelope has no signing time');

  const x5c = Array.isArray(jws.header?.x5c) ? (jws.header!.x5c as unknown[]) : [];
  if (!x5c.length) throw new Refusal('the envelope carries no certificate chain (x5c)');
  const chain = x5c.map((c, i) => parseCertificate(fromBase64(String(c), `x5c[${i}]`)));
  const leaf = chain[0]!;
  let signature = fromBase64Url(String(jws.signature ?? ''), 'the JWS signature');
  if (algorithm.family === 'ecdsa') signature = rawToDer(signature, algorithm.size!);
  const key = await leaf.publicKey();
  const signed = utf8(`${String(jws.protected)}.${String(jws.payload)}`);
  const expectedKey = algorithm.family === 'ecdsa' ? key.algorithm.startsWith('ecdsa') : key.algorithm === 'rsa';
  if (!expectedKey || !(await key.verify(signed, signature, algorithm.hash)))
    throw new Refusal('the signature does not verify with the certificate in the envelope');
  if (!leaf.codeSigning) throw new Refusal('the signing certificate is not for code signing');
  if (leaf.isCA)
    throw new Refusal('the signing certificate is a certificate authority (basicConstraints CA:true), not a signer');
  await trusted(leaf, chain.slice(1), trust.roots, now);
  const attributes = nameAttributes(leaf.subject);
  const subject = renderName(attributes);
  const identity = trust.identities.find(
    (i) => i === '*' || (i.startsWith('x509.subject:') && sameName(i.slice('x509.subject:'.length), attributes)),
  );
  if (!identity) throw new Refusal(`identity mismatch: the signing certificate is for "${subject}"`);
  if (payload.targetArtifact?.digest !== digest)
    throw new Refusal(`digest mismatch: the signature is for ${String(payload.targetArtifact?.digest)}, not ${digest}`);
  return { identity: `x509.subject: ${subject}`, time: signingTime };
}

// The chain must reach a trust-store certificate: the leaf itself, a certificate of the chain, or the
// issuer of the chain's last certificate.
async function trusted(leaf: X509, rest: X509[], roots: X509[], at: Date): Promise<void> {
  if (!roots.length) throw new Refusal('the trust store is empty');
  const inStore = (c: X509) => roots.some((r) => equalBytes(r.der, c.der));
  if (at < leaf.notBefore || at > leaf.notAfter)
    throw new Refusal(`expired certificate: the signing certificate is not valid at ${at.toISOString()}`);
  if (inStore(leaf) && (!isSelfIssued(leaf) || (await leaf.signedBy(await leaf.publicKey())))) return;
  const upTo = rest.findIndex(inStore);
  const candidates = upTo >= 0 ? [rest.slice(0, upTo + 1)] : roots.map((root) => [...rest, root]);
  const reasons: string[] = [];
  for (const chain of candidates) {
    try {
      await verifyChain(leaf, chain, at);
      return;
    } catch (error) {
      reasons.push(error instanceof Error ? error.message : 'no chain');
    }
  }
  throw new Refusal(`the certificate chain does not lead to the trust store (${[...new Set(reasons)].join('; ')})`);
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.6': 'C',
  '2.5.4.8': 'ST',
  '2.5.4.7': 'L',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '1.2.840.113549.1.9.1': 'E',
};

interface Attribute {
  type: string;
  value: string;
}

/** A certificate's name as attribute type and value pairs, in its order (read from DER, never from text). */
function nameAttributes(der: Uint8Array): Attribute[] {
  return AsnConvert.parse(der, Name).flatMap((rdn) =>
    rdn.map((atv) => ({ type: SHORT_NAMES[atv.type] ?? atv.type, value: atv.value.toString() })),
  );
}

/** "C=US, O=Notary, CN=alpine" as RFC 4514 writes it: a comma inside a value is escaped. */
function renderName(attributes: Attribute[]): string {
  return attributes.map((a) => `${a.type}=${a.value.replace(/([,+"\\<>;=])/g, '\\$1')}`).join(', ');
}

/**
 * A trust policy's "C=US, O=Acme, CN=release" parsed as RFC 4514 says (escaped "\\,", "\\XX" and quoted
 * values; "+" joins a multi-valued RDN): its attribute pairs, or undefined when it is no name.
 */
function parseName(text: string): Attribute[] | undefined {
  const attributes: Attribute[] = [];
  let i = 0;
  const input = text.trim();
  while (i < input.length) {
    const eq = input.indexOf('=', i);
    if (eq < 0) return undefined;
    const type = input.slice(i, eq).trim();
    if (!/^([A-Za-z][\w-]*|\d+(\.\d+)+)$/.test(type)) return undefined;
    let value = '';
    i = eq + 1;
    while (i < input.length && input[i] === ' ') i++;
    const quoted = input[i] === '"';
    if (quoted) i++;
    for (; i < input.length; i++) {
      const c = input[i]!;
      if (c === '\\') {
        const hex = input.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          value += String.fromCharCode(parseInt(hex, 16));
          i += 2;
        } else value += input[++i] ?? '';
      } else if (quoted && c === '"') {
        i++;
        break;
      } else if (!quoted && (c === ',' || c === '+' || c === ';')) break;
      else value += c;
    }
    attributes.push({ type, value: quoted ? value : value.trimEnd() });
    while (i < input.length && input[i] === ' ') i++;
    if (i < input.length && !',+;'.includes(input[i]!)) return undefined;
    i++;
  }
  return attributes;
}

const typeKey = (type: string) => {
  const upper = type.toUpperCase();
  return upper === 'EMAILADDRESS' ? 'E' : upper === 'S' ? 'ST' : upper;
};

// Notation compares names as sets of attribute type and value pairs, whatever their order: parsed, never
// split out of rendered text, so a comma inside one value is not another attribute.
function sameName(trusted: string, subject: Attribute[]): boolean {
  const parsed = parseName(trusted);
  if (!parsed) return false;
  const key = (a: Attribute) => JSON.stringify([typeKey(a.type), a.value]);
  const [x, y] = [parsed.map(key).sort(), subject.map(key).sort()];
  return x.length === y.length && x.every((p, i) => p === y[i]);
}

/** JWS's fixed-width r || s as the DER signature Web Crypto's caller here expects. */
function rawToDer(raw: Uint8Array, size: number): Uint8Array {
  if (raw.length !== size * 2) return new Uint8Array();
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.subarray(start);
    return encodeTlv(0x02, trimmed[0]! & 0x80 ? concatBytes(new Uint8Array([0]), trimmed) : trimmed);
  };
  return encodeTlv(0x30, concatBytes(integer(raw.subarray(0, size)), integer(raw.subarray(size))));
}
