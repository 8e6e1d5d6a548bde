// The one set of byte encodings (a leaf: KV records, digests and signature formats use it): standard and
// URL-safe base64 (strict: a corrupted value is refused, not half-decoded), hex, and PEM blocks.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class EncodingError extends Error {}

export function fromBase64(text: string, what = 'value'): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw new EncodingError(`${what} is not valid base64`);
  const binary = atob(compact);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function fromBase64Url(text: string, what = 'value'): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new EncodingError(`${what} is not valid base64url`);
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(standard + '='.repeat((4 - (standard.length % 4)) % 4), what);
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function toHex(bytes: Uint8Array | ArrayBuffer): string {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text: string, what = 'value'): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new EncodingError(`${what} is not valid hex`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The DER contents of every PEM block of that label (any label when none is given), in order. */
export function pemBlocks(text: string, label?: string): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (label === undefined || m[1] === label) blocks.push(fromBase64(m[2]!, `PEM block "${m[1]}"`));
  }
  return blocks;
}

export const utf8 = (text: string) => new TextEncoder().encode(text);

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
}

/** FNV-1a, 32 bits, as 8 hex digits: a short synchronous fingerprint of a name (not a security boundary). */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}
