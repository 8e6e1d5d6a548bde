// A small reader of DER's tag-length-value framing with byte offsets: where a signature covers the exact
// encoded bytes of a part (a certificate's TBSCertificate, CMS signed attributes), those bytes are sliced
// from the input, never re-encoded. Schemas (@peculiar/asn1-*) give the meaning; this gives the bytes.

export class DerError extends Error {}

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export function readTlv(bytes: Uint8Array, offset = 0, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated DER');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not used here');
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || contentStart + count > limit) throw new DerError('bad DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('DER value runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** The elements inside a constructed value (SEQUENCE, SET, explicit tag). */
export function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(bytes, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const slice = (bytes: Uint8Array, tlv: Tlv) => bytes.subarray(tlv.start, tlv.end);
export const content = (bytes: Uint8Array, tlv: Tlv) => bytes.subarray(tlv.contentStart, tlv.end);

/** Encodes a length in DER's definite form. */
function encodeLength(length: number): number[] {
  if (length < 0x80) return [length];
  const digits: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) digits.unshift(n % 256);
  return [0x80 | digits.length, ...digits];
}

/** A value with the given tag around `body`. */
export function encodeTlv(tag: number, body: Uint8Array): Uint8Array {
  const header = [tag, ...encodeLength(body.length)];
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}
