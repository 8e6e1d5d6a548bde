// Notation's JWS envelope (notary.x509 signing scheme), made here with Web Crypto: ES256 by the leaf of
// `chain`, whose certificates travel in the unprotected header's x5c.

import type { TestCertificate } from './test-pki.js';

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

export async function notationEnvelope(
  chain: TestCertificate[],
  target: { mediaType: string; digest: string; size: number },
): Promise<Uint8Array> {
  const header = {
    alg: 'ES256',
    crit: ['io.cncf.notary.signingScheme'],
    cty: 'application/vnd.cncf.notary.payload.v1+json',
    'io.cncf.notary.signingScheme': 'notary.x509',
    'io.cncf.notary.signingTime': new Date().toISOString(),
  };
  const protectedPart = b64url(new TextEncoder().encode(JSON.stringify(header)));
  const payloadPart = b64url(new TextEncoder().encode(JSON.stringify({ targetArtifact: target })));
  const signature = new Uint8Array(
    await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      chain[0]!.keys.privateKey,
      new TextEncoder().encode(`${protectedPart}.${payloadPart}`),
    ),
  );
  const envelope = {
    payload: payloadPart,
    protected: protectedPart,
    header: { x5c: chain.map((c) => b64(c.der)), 'io.cncf.notary.signingAgent': 'ferry-test' },
    signature: b64url(signature),
  };
  return new TextEncoder().encode(JSON.stringify(envelope));
}
