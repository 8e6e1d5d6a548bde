// Run by Deno and Bun (test/promote/signatures-on-every-runtime.node.test.ts): the sigstore-conformance cases and
// the real-tool artefacts through src/signatures on that runtime. Prints one JSON line of results.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificatesPem } from '../../src/signatures/certificates.js';
import { parsePublicKeyPem } from '../../src/signatures/public-keys.js';
import { parseTrustedRoot } from '../../src/signatures/trusted-root.js';
import { verifyImageSignature } from '../../src/signatures/verify-image.js';
import { runConformanceCase, type CaseResult } from './sigstore-cases.js';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;
const read = (...path: string[]) => {
  try {
    return readFileSync(join(fixtures, ...path), 'utf8');
  } catch {
    return undefined;
  }
};
const suite = join(fixtures, 'sigstore-conformance', 'bundle-verify');
const results: CaseResult[] = [];
for (const name of readdirSync(suite, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort()) {
  results.push(
    await runConformanceCase(
      name,
      (n, leaf) => read('sigstore-conformance', 'bundle-verify', n, leaf),
      read('sigstore-public-good', 'trusted_root.json')!,
      read('sigstore-conformance', 'bundle-verify', 'a.txt')!,
    ),
  );
}

const cosign = JSON.parse(read('cosign', 'key-signature.json')!) as {
  publicKey: string;
  signature: string;
  payload: string;
  digest: string;
};
const cosignVerdict = await verifyImageSignature(
  cosign.digest,
  [
    {
      format: 'cosign',
      where: 'fixture',
      payload: new TextEncoder().encode(cosign.payload),
      signature: cosign.signature,
    },
  ],
  [{ kind: 'cosign-key', label: 'k', key: await parsePublicKeyPem(cosign.publicKey) }],
);
results.push({ name: 'cosign key signature (sigstore-rs)', ok: cosignVerdict.outcome !== undefined });

const keyless = JSON.parse(read('cosign', 'keyless-signature-layer.json')!) as {
  digest: string;
  issuer: string;
  payload: string;
  layer: { annotations: Record<string, string> };
};
const a = keyless.layer.annotations;
const keylessVerdict = await verifyImageSignature(
  keyless.digest,
  [
    {
      format: 'cosign',
      where: 'fixture',
      payload: new TextEncoder().encode(keyless.payload),
      signature: a['dev.cosignproject.cosign/signature']!,
      certificate: a['dev.sigstore.cosign/certificate']!,
      rekorBundle: a['dev.sigstore.cosign/bundle']!,
    },
  ],
  [
    {
      kind: 'sigstore',
      label: 's',
      root: await parseTrustedRoot(read('sigstore-public-good', 'trusted_root.json')!),
      identity: (san) => san === 'cosign@cosign-test-bazel-1-384518.iam.gserviceaccount.com',
      issuer: keyless.issuer,
    },
  ],
);
results.push({ name: 'cosign keyless .sig layer (public-good)', ok: keylessVerdict.outcome !== undefined });

const jws = read('notation', 'jws_signature.sig')!;
const cert = `-----BEGIN CERTIFICATE-----\n${(JSON.parse(jws) as { header: { x5c: string[] } }).header.x5c[0]}\n-----END CERTIFICATE-----\n`;
const notationVerdict = await verifyImageSignature(
  'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0',
  [
    {
      format: 'notation',
      where: 'fixture',
      mediaType: 'application/jose+json',
      envelope: new TextEncoder().encode(jws),
    },
  ],
  [
    {
      kind: 'notation',
      label: 'n',
      roots: parseCertificatesPem(cert),
      identities: ['x509.subject: C=US, ST=WA, L=Seattle, O=Notary, CN=alpine'],
      at: new Date(),
    },
  ],
);
results.push({ name: 'notation JWS (notation-go)', ok: notationVerdict.outcome !== undefined });
console.log(JSON.stringify(results));
