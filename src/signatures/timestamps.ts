// RFC 3161 timestamps from a timestamp authority: a CMS SignedData over a TSTInfo whose message imprint
// is the hash of the bundle's signature. Its genTime counts as a trusted signing time only when the
// token verifies with a timestamp authority of the trusted root that was valid then (its period and
// its certificate chain, checked at genTime: a chain that has expired since still counts).

import { AsnConvert } from '@peculiar/asn1-schema';
import { SignerInfo } from '@peculiar/asn1-cms';
import { TSTInfo } from '@peculiar/asn1-tsp';
import { childrenOf, content, readTlv, slice, type Tlv } from './der.js';
import { concatBytes, equalBytes } from '../encoding.js';
import { parseCertificate, verifyChain, type X509 } from './certificates.js';
import type { Hash } from './public-keys.js';
import { Refusal } from './refusal.js';
import { within, type TrustedAuthority } from './trusted-root.js';

// id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4) as a DER OBJECT IDENTIFIER.
const TST_INFO = new Uint8Array([0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04]);
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const CONTENT_TYPE = '1.2.840.113549.1.9.3';
const HASHES: Record<string, Hash> = {
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
const SIGNATURE_HASHES: Record<string, Hash> = {
  '1.2.840.10045.4.3.2': 'SHA-256',
  '1.2.840.10045.4.3.3': 'SHA-384',
  '1.2.840.10045.4.3.4': 'SHA-512',
};

const digest = async (hash: Hash, data: Uint8Array) =>
  new Uint8Array(await crypto.subtle.digest(hash, data as BufferSource));

interface Token {
  tstInfo: Uint8Array;
  certificates: X509[];
  signerInfo: Uint8Array;
  /** The signed attributes re-tagged as the SET OF they are signed as. */
  signedAttributes: Uint8Array;
}

function readToken(token: Uint8Array): Token {
  let contentInfo = readTlv(token);
  // A whole TimeStampResp (status, then the token) is accepted as well as the bare token.
  const [first, second] = childrenOf(token, contentInfo);
  if (first?.tag === 0x30 && second?.tag === 0x30) {
    const [status] = childrenOf(token, first);
    const granted = content(token, status!);
    if (granted.length !== 1 || granted[0]! > 1)
      throw new Refusal('the timestamp authority did not grant this timestamp');
    contentInfo = second;
  }
  const [, explicit] = childrenOf(token, contentInfo) as [Tlv, Tlv];
  const [signedData] = childrenOf(token, explicit) as [Tlv];
  const fields = childrenOf(token, signedData);
  const encap = fields[2]!;
  const [, eContent] = childrenOf(token, encap) as [Tlv, Tlv];
  const [octets] = childrenOf(token, eContent) as [Tlv];
  const certificates = fields
    .filter((f) => f.tag === 0xa0)
    .flatMap((f) => childrenOf(token, f).map((c) => parseCertificate(slice(token, c))));
  const signerInfos = fields.find((f, i) => i > 2 && f.tag === 0x31)!;
  const [signerInfo] = childrenOf(token, signerInfos) as [Tlv];
  const attributes = childrenOf(token, signerInfo).find((f) => f.tag === 0xa0);
  if (!attributes) throw new Refusal('the timestamp has no signed attributes');
  const signedAttributes = concatBytes(new Uint8Array([0x31]), token.subarray(attributes.start + 1, attributes.end));
  return { tstInfo: content(token, octets), certificates, signerInfo: slice(token, signerInfo), signedAttributes };
}

/** The trusted time of one RFC 3161 token over `signature`; throws with the reason. */
export async function verifyTimestamp(
  tokenBytes: Uint8Array,
  signature: Uint8Array,
  authorities: TrustedAuthority[],
): Promise<Date> {
  let token: Token;
  let info: TSTInfo;
  let signer: SignerInfo;
  try {
    token = readToken(tokenBytes);
    info = AsnConvert.parse(token.tstInfo, TSTInfo);
    signer = AsnConvert.parse(token.signerInfo, SignerInfo);
  } catch (error) {
    throw error instanceof Refusal ? error : new Refusal('the timestamp is not an RFC 3161 token');
  }
  const imprintHash = HASHES[info.messageImprint.hashAlgorithm.algorithm];
  if (!imprintHash) throw new Refusal('the timestamp uses an unsupported hash');
  if (!equalBytes(new Uint8Array(info.messageImprint.hashedMessage.buffer), await digest(imprintHash, signature))) {
    throw new Refusal('the timestamp is over something other than this signature');
  }
  const at = info.genTime;
  const attribute = (oid: string) => signer.signedAttrs?.find((a) => a.attrType === oid)?.attrValues[0];
  const contentDigestHash = HASHES[signer.digestAlgorithm.algorithm];
  const messageDigest = attribute(MESSAGE_DIGEST);
  const contentType = attribute(CONTENT_TYPE);
  if (!contentDigestHash || !messageDigest || !contentType)
    throw new Refusal('the timestamp lacks its content type or message digest');
  if (!equalBytes(new Uint8Array(contentType), TST_INFO)) throw new Refusal('the timestamp does not sign a TSTInfo');
  const md = new Uint8Array(messageDigest);
  if (!equalBytes(content(md, readTlv(md)), await digest(contentDigestHash, token.tstInfo)))
    throw new Refusal('the timestamp signature does not cover its TSTInfo');
  const signatureHash = SIGNATURE_HASHES[signer.signatureAlgorithm.algorithm] ?? contentDigestHash;
  const reasons: string[] = [];
  for (const authority of authorities) {
    if (!within(authority.validFor, at)) {
      reasons.push(`${authority.uri}: not trusted at ${at.toISOString()}`);
      continue;
    }
    // The authority's own signing certificate, or one the token carries that chains to the authority's CAs.
    const [first] = authority.chain;
    const cas = first!.isCA ? authority.chain : authority.chain.slice(1);
    const candidates = [...(first!.isCA ? [] : [first!]), ...token.certificates.filter((c) => !c.isCA)];
    for (const cert of candidates) {
      if (
        !(await (
          await cert.publicKey()
        ).verify(token.signedAttributes, new Uint8Array(signer.signature.buffer), signatureHash))
      )
        continue;
      if (at < cert.notBefore || at > cert.notAfter) {
        reasons.push(`${authority.uri}: the timestamp is outside its certificate's validity`);
        continue;
      }
      try {
        await verifyChain(cert, cas, at);
      } catch (error) {
        reasons.push(`${authority.uri}: ${error instanceof Error ? error.message : 'bad chain'}`);
        continue;
      }
      return at;
    }
  }
  throw new Refusal(
    `the timestamp does not verify with a trusted timestamp ` +
      `authority${reasons.length ? ` (${reasons.join('; ')})` : ''}`,
  );
}
