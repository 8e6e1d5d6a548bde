// X.509 certificates as signature formats use them: the fields a verifier needs (validity, CA flag, SAN,
// Fulcio's OIDC issuer, SCTs, the public key), and "was this signed by that key". Parsed with
// @peculiar/asn1-x509; what signatures cover is sliced from the DER as received (der.ts).

import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate, ExtendedKeyUsage, SubjectAlternativeName } from '@peculiar/asn1-x509';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { childrenOf, content, readTlv, slice } from './der.js';
import { equalBytes, pemBlocks } from '../encoding.js';
import { importPublicKey, type Hash, type PublicKey } from './public-keys.js';

export class CertificateError extends Error {}

const OID = {
  basicConstraints: '2.5.29.19',
  subjectAltName: '2.5.29.17',
  extKeyUsage: '2.5.29.37',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  fulcioIssuerV1: '1.3.6.1.4.1.57264.1.1',
  fulcioIssuerV2: '1.3.6.1.4.1.57264.1.8',
} as const;

const SIGNATURE_HASHES: Record<string, Hash | 'ed25519'> = {
  '1.2.840.10045.4.3.2': 'SHA-256',
  '1.2.840.10045.4.3.3': 'SHA-384',
  '1.2.840.10045.4.3.4': 'SHA-512',
  '1.2.840.113549.1.1.11': 'SHA-256',
  '1.2.840.113549.1.1.12': 'SHA-384',
  '1.2.840.113549.1.1.13': 'SHA-512',
  '1.3.101.112': 'ed25519',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const PSS_HASHES: Record<string, Hash> = {
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

export interface X509 {
  der: Uint8Array;
  /** The TBSCertificate exactly as encoded: what the issuer signed. */
  tbs: Uint8Array;
  subject: Uint8Array;
  issuer: Uint8Array;
  spki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  /** Subject alternative names: URIs and e-mail addresses. */
  identities: string[];
  /** Fulcio's OIDC issuer extension, when present. */
  oidcIssuer?: string;
  codeSigning: boolean;
  /** An extension's value (the OCTET STRING's contents), by OID. */
  extension(oid: string): Uint8Array | undefined;
  publicKey(): Promise<PublicKey>;
  /** True when `issuer`'s key signed this certificate. */
  signedBy(issuer: PublicKey): Promise<boolean>;
}

export const CertificateOids = OID;

export function parseCertificate(der: Uint8Array): X509 {
  let cert: Certificate;
  let parts;
  try {
    cert = AsnConvert.parse(der, Certificate);
    const outer = readTlv(der);
    const [tbsTlv, , signatureTlv] = childrenOf(der, outer);
    const fields = childrenOf(der, tbsTlv!);
    const at = fields[0]!.tag === 0xa0 ? 1 : 0; // [0] version is optional
    parts = {
      tbs: slice(der, tbsTlv!),
      issuer: slice(der, fields[at + 2]!),
      subject: slice(der, fields[at + 4]!),
      spki: slice(der, fields[at + 5]!),
      signature: content(der, signatureTlv!).subarray(1),
    };
  } catch {
    throw new CertificateError('not a DER X.509 certificate');
  }
  const tbs = cert.tbsCertificate;
  const extensions = new Map((tbs.extensions ?? []).map((e) => [e.extnID, new Uint8Array(e.extnValue.buffer)]));
  const extension = (oid: string) => extensions.get(oid);
  const basic = extension(OID.basicConstraints);
  const san = extension(OID.subjectAltName);
  const eku = extension(OID.extKeyUsage);
  const identities = san
    ? AsnConvert.parse(san, SubjectAlternativeName).flatMap((n) =>
        [n.uniformResourceIdentifier, n.rfc822Name].filter((v): v is string => typeof v === 'string'),
      )
    : [];
  let key: Promise<PublicKey> | undefined;
  const algorithm = cert.signatureAlgorithm;
  return {
    der,
    ...parts,
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    isCA: basic ? AsnConvert.parse(basic, BasicConstraints).cA : false,
    identities,
    ...oidcIssuer(extension),
    codeSigning: eku ? AsnConvert.parse(eku, ExtendedKeyUsage).includes(OID.codeSigning) : false,
    extension,
    publicKey: () => (key ??= importPublicKey(parts.spki)),
    async signedBy(issuer) {
      if (algorithm.algorithm === RSASSA_PSS) {
        const params = algorithm.parameters ? AsnConvert.parse(algorithm.parameters, RsaSaPssParams) : undefined;
        const hash = PSS_HASHES[params?.hashAlgorithm.algorithm ?? ''] ?? 'SHA-256';
        return issuer.algorithm === 'rsa' && issuer.verify(parts.tbs, parts.signature, hash);
      }
      const hash = SIGNATURE_HASHES[algorithm.algorithm];
      if (!hash) return false;
      if (hash === 'ed25519') return issuer.algorithm === 'ed25519' && issuer.verify(parts.tbs, parts.signature);
      return issuer.algorithm !== 'ed25519' && issuer.verify(parts.tbs, parts.signature, hash);
    },
  };
}

// Fulcio writes the issuer twice: v1 as raw bytes, v2 as a DER UTF8String; the newer one wins.
function oidcIssuer(extension: (oid: string) => Uint8Array | undefined): { oidcIssuer?: string } {
  const v2 = extension(OID.fulcioIssuerV2);
  if (v2) {
    try {
      const tlv = readTlv(v2);
      if (tlv.tag === 0x0c) return { oidcIssuer: new TextDecoder().decode(content(v2, tlv)) };
    } catch {
      // fall through to v1
    }
  }
  const v1 = extension(OID.fulcioIssuerV1);
  return v1 ? { oidcIssuer: new TextDecoder().decode(v1) } : {};
}

export function parseCertificatesPem(pem: string): X509[] {
  return pemBlocks(pem, 'CERTIFICATE').map(parseCertificate);
}

export const isSelfIssued = (cert: X509) => equalBytes(cert.subject, cert.issuer);

/**
 * Verifies `leaf` up a chain of CA certificates (`chain[0]` issued the leaf, the last is the root, which
 * signs itself), each valid at `at`. Throws with the reason when it does not hold.
 */
export async function verifyChain(leaf: X509, chain: X509[], at: Date): Promise<void> {
  if (!chain.length) throw new CertificateError('no CA certificates to verify against');
  let child = leaf;
  for (const [i, ca] of chain.entries()) {
    if (!ca.isCA) throw new CertificateError(`chain certificate ${i} is not a CA`);
    if (!equalBytes(child.issuer, ca.subject) || !(await child.signedBy(await ca.publicKey())))
      throw new CertificateError(
        i === 0
          ? 'the certificate was not issued by the trusted CA'
          : `chain certificate ${i - 1} was not issued by chain certificate ${i}`,
      );
    if (at < ca.notBefore || at > ca.notAfter)
      throw new CertificateError(`CA certificate ${i} was not valid at ${at.toISOString()}`);
    child = ca;
  }
  const root = chain[chain.length - 1]!;
  if (!isSelfIssued(root) || !(await root.signedBy(await root.publicKey())))
    throw new CertificateError('the chain does not end at a self-signed root');
}
