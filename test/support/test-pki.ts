// Certificates for tests, made here with @peculiar/asn1-x509 and Web Crypto (there is no network, and
// Debian has neither cosign nor notation): CAs and leaves for Notation trust stores, and a small local
// Sigstore (test/support/local-sigstore.ts) built on them.

import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const ATTRIBUTE_OIDS: Record<string, string> = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
};

export interface TestCertificate {
  der: Uint8Array;
  pem: string;
  keys: CryptoKeyPair;
  spki: Uint8Array;
  subject: string;
}

export interface CertificateOptions {
  /** "C=US, O=Acme, CN=release", in this order. */
  subject: string;
  /** Absent: self-signed. */
  issuer?: TestCertificate;
  ca?: boolean;
  codeSigning?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  uris?: string[];
  emails?: string[];
  /** Extra extensions (OID -> the extension value's DER). */
  extensions?: Record<string, Uint8Array>;
  keys?: CryptoKeyPair;
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
// Lines of 64 characters and no empty one (OpenSSL refuses a PEM with a blank line before its end).
export const toPem = (der: Uint8Array, label = 'CERTIFICATE') =>
  `-----BEGIN ${label}-----\n${b64(der)
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;

export const newKeys = () =>
  crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

/** "C=US, O=Acme, CN=release"; "\\," is a comma inside a value ("CN=release\\, O=Acme" is one CN). */
function name(text: string): Name {
  return new Name(
    text.split(/(?<!\\),/).map((part) => {
      const [type, ...value] = part.trim().split('=');
      return new RelativeDistinguishedName([
        new AttributeTypeAndValue({
          type: ATTRIBUTE_OIDS[type!]!,
          value: new AttributeValue({ utf8String: value.join('=').replace(/\\,/g, ',') }),
        }),
      ]);
    }),
  );
}

/** Web Crypto's fixed-width r || s as the DER ECDSA-Sig-Value X.509 and cosign (Go) carry. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const t = bytes.subarray(start);
    const body = t[0]! & 0x80 ? [0, ...t] : [...t];
    return [0x02, body.length, ...body];
  };
  const half = raw.length / 2;
  const body = [...integer(raw.subarray(0, half)), ...integer(raw.subarray(half))];
  return new Uint8Array([0x30, ...(body.length < 128 ? [body.length] : [0x81, body.length]), ...body]);
}

/** An ECDSA signature (DER) by a Web Crypto P-256 key. */
export async function signDer(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return ecdsaRawToDer(
    new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, data as BufferSource)),
  );
}

/** The TBSCertificate of a certificate to be; `finish` signs it (extensions may be added before). */
export async function prepareCertificate(options: CertificateOptions) {
  const keys = options.keys ?? (await newKeys());
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const extensions: Extension[] = [];
  const add = (extnID: string, value: unknown, critical = false) =>
    extensions.push(new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) }));
  if (options.ca) {
    add('2.5.29.19', new BasicConstraints({ cA: true }), true);
    add('2.5.29.15', new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign), true);
  } else {
    add('2.5.29.15', new KeyUsage(KeyUsageFlags.digitalSignature), true);
  }
  if (options.codeSigning) add('2.5.29.37', new ExtendedKeyUsage(['1.3.6.1.5.5.7.3.3']));
  const sans = [
    ...(options.uris ?? []).map((u) => new GeneralName({ uniformResourceIdentifier: u })),
    ...(options.emails ?? []).map((e) => new GeneralName({ rfc822Name: e })),
  ];
  if (sans.length) add('2.5.29.17', new SubjectAlternativeName(sans), true);
  for (const [oid, value] of Object.entries(options.extensions ?? {}))
    extensions.push(new Extension({ extnID: oid, extnValue: new OctetString(value) }));
  const now = Date.now();
  const tbs = new TBSCertificate({
    version: Version.v3,
    // Positive and minimally encoded (a leading zero byte is not DER, and OpenSSL refuses it).
    serialNumber: crypto.getRandomValues(new Uint8Array(16)).map((b, i) => (i === 0 ? 0x40 | (b & 0x3f) : b)).buffer,
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_SHA256 }),
    issuer: name(options.issuer?.subject ?? options.subject),
    validity: new Validity({
      notBefore: options.notBefore ?? new Date(now - 3600_000),
      notAfter: options.notAfter ?? new Date(now + 365 * 86400_000),
    }),
    subject: name(options.subject),
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  return {
    tbs,
    tbsDer: () => new Uint8Array(AsnConvert.serialize(tbs)),
    async finish(): Promise<TestCertificate> {
      const signer = options.issuer?.keys.privateKey ?? keys.privateKey;
      const signature = await signDer(signer, new Uint8Array(AsnConvert.serialize(tbs)));
      const der = new Uint8Array(
        AsnConvert.serialize(
          new Certificate({
            tbsCertificate: tbs,
            signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_SHA256 }),
            signatureValue: signature.buffer as ArrayBuffer,
          }),
        ),
      );
      return { der, pem: toPem(der), keys, spki, subject: options.subject };
    },
  };
}

export async function makeCertificate(options: CertificateOptions): Promise<TestCertificate> {
  return (await prepareCertificate(options)).finish();
}
