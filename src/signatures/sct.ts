// Certificate transparency: Fulcio embeds signed certificate timestamps (RFC 6962) in the certificates it
// issues; each is a CT log's signature over the precertificate (the TBSCertificate without the SCT list)
// and the issuer's key hash. At least one must come from a CT log of the trusted root.

import { childrenOf, content, encodeTlv, readTlv, type Tlv } from './der.js';
import { concatBytes, equalBytes, sha256 } from '../encoding.js';
import type { X509 } from './certificates.js';
import { Refusal } from './refusal.js';
import { within, type TrustedLog } from './trusted-root.js';

// 1.3.6.1.4.1.11129.2.4.2, as DER OID contents.
const SCT_LIST_OID = new Uint8Array([0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02]);

interface Sct {
  logId: Uint8Array;
  timestamp: bigint;
  extensions: Uint8Array;
  signature: Uint8Array;
}

function readScts(extension: Uint8Array): Sct[] {
  const octets = readTlv(extension);
  const list = content(extension, octets);
  const view = new DataView(list.buffer, list.byteOffset, list.byteLength);
  const scts: Sct[] = [];
  let at = 2;
  const end = 2 + view.getUint16(0);
  if (end > list.length) throw new Refusal('the SCT list is truncated');
  while (at < end) {
    const length = view.getUint16(at);
    const sct = list.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    const v = new DataView(sct.buffer, sct.byteOffset, sct.byteLength);
    if (sct[0] !== 0) continue; // only v1 SCTs exist
    const extLength = v.getUint16(41);
    const sigAt = 43 + extLength + 2; // hash and signature algorithm bytes
    scts.push({
      logId: sct.subarray(1, 33),
      timestamp: v.getBigUint64(33),
      extensions: sct.subarray(43, 43 + extLength),
      signature: sct.subarray(sigAt + 2, sigAt + 2 + v.getUint16(sigAt)),
    });
  }
  return scts;
}

/** The leaf's TBSCertificate with the SCT list extension taken out: what the CT log saw. */
function precertificateTbs(tbs: Uint8Array): Uint8Array {
  const outer = readTlv(tbs);
  const fields = childrenOf(tbs, outer);
  const rebuilt: Uint8Array[] = [];
  for (const field of fields) {
    if (field.tag !== 0xa3) {
      rebuilt.push(tbs.subarray(field.start, field.end));
      continue;
    }
    const [sequence] = childrenOf(tbs, field) as [Tlv];
    const kept = childrenOf(tbs, sequence).filter((ext) => {
      const [oid] = childrenOf(tbs, ext);
      return !equalBytes(content(tbs, oid!), SCT_LIST_OID);
    });
    rebuilt.push(encodeTlv(0xa3, encodeTlv(0x30, concatBytes(...kept.map((e) => tbs.subarray(e.start, e.end))))));
  }
  return encodeTlv(0x30, concatBytes(...rebuilt));
}

const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
const u24 = (n: number) => new Uint8Array([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const u64 = (n: bigint) => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n);
  return out;
};

/** Throws unless an SCT of the leaf verifies with a trusted CT log valid at its time. */
export async function verifyEmbeddedScts(
  leaf: X509,
  issuer: X509,
  ctlogs: TrustedLog[],
  sctListOid: string,
): Promise<void> {
  const extension = leaf.extension(sctListOid);
  if (!extension) throw new Refusal('the certificate has no signed certificate timestamp');
  let scts: Sct[];
  try {
    scts = readScts(extension);
  } catch (error) {
    throw error instanceof Refusal ? error : new Refusal('the SCT list is unreadable');
  }
  const tbs = precertificateTbs(leaf.tbs);
  const issuerKeyHash = await sha256(issuer.spki);
  for (const sct of scts) {
    const log = ctlogs.find((l) => equalBytes(l.logId, sct.logId));
    if (!log || !within(log.validFor, new Date(Number(sct.timestamp)))) continue;
    const signed = concatBytes(
      new Uint8Array([0, 0]),
      u64(sct.timestamp),
      u16(1),
      issuerKeyHash,
      u24(tbs.length),
      tbs,
      u16(sct.extensions.length),
      sct.extensions,
    );
    if (await log.key.verify(signed, sct.signature, 'SHA-256')) return;
  }
  throw new Refusal('no signed certificate timestamp verifies with a trusted CT log');
}
