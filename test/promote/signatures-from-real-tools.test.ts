// Signatures made by the real tools, from their projects' published test data (origins in
// test/fixtures/*/ORIGIN.md), verified by src/signatures on Node and workerd: accepted with the right
// signer, refused with a wrong key, trust store or identity, and for another digest.
// (Sigstore bundles made by the real clients: test/promote/sigstore-conformance.test.ts; cosign's own
// attestation bundle through a registry: test/promote/promotions-verify-real-cosign-bundle.test.ts.)

import { describe, expect, it } from 'vitest';
import { parseCertificatesPem } from '../../src/signatures/certificates.js';
import type { Found } from '../../src/signatures/found.js';
import { parsePublicKeyPem } from '../../src/signatures/public-keys.js';
import { verifyImageSignature, type Signer } from '../../src/signatures/verify-image.js';
import cosignFixture from '../fixtures/cosign/key-signature.json?raw';
import keylessFixture from '../fixtures/cosign/keyless-signature-layer.json?raw';
import publicGood from '../fixtures/sigstore-public-good/trusted_root.json?raw';
import { compilePattern } from '../../src/patterns.js';
import { parseTrustedRoot } from '../../src/signatures/trusted-root.js';
import jws from '../fixtures/notation/jws_signature.sig?raw';
import { makeKey } from '../support/cosign-signing.js';

const cosign = JSON.parse(cosignFixture) as { publicKey: string; signature: string; payload: string; digest: string };
const NOTATION_DIGEST = 'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0';
const NOTATION_SUBJECT = 'x509.subject: C=US, ST=WA, L=Seattle, O=Notary, CN=alpine';

describe('cosign, key-based (.sig layer)', () => {
  const found: Found[] = [
    {
      format: 'cosign',
      where: 'fixture',
      payload: new TextEncoder().encode(cosign.payload),
      signature: cosign.signature,
    },
  ];
  it('accepted with its public key, for its digest', async () => {
    const verdict = await verifyImageSignature(cosign.digest, found, [
      { kind: 'cosign-key', label: 'k', key: await parsePublicKeyPem(cosign.publicKey) },
    ]);
    expect(verdict.outcome, JSON.stringify(verdict.attempts)).toMatchObject({
      kind: 'cosign-key',
      identity: expect.stringMatching(/^sha256:/),
    });
  });
  it('refused with another key, and for another digest', async () => {
    const other = await verifyImageSignature(cosign.digest, found, [
      { kind: 'cosign-key', label: 'k', key: await parsePublicKeyPem((await makeKey()).pem) },
    ]);
    expect(other.outcome).toBeUndefined();
    expect(other.attempts[0]!.reason).toContain('wrong key');
    const elsewhere = await verifyImageSignature(NOTATION_DIGEST, found, [
      { kind: 'cosign-key', label: 'k', key: await parsePublicKeyPem(cosign.publicKey) },
    ]);
    expect(elsewhere.attempts[0]!.reason).toContain('digest mismatch');
  });
});

describe('cosign, keyless (.sig layer with certificate, chain and Rekor bundle, public-good Sigstore)', () => {
  const keyless = JSON.parse(keylessFixture) as {
    digest: string;
    identity: string;
    issuer: string;
    payload: string;
    layer: { annotations: Record<string, string> };
  };
  const a = keyless.layer.annotations;
  const found: Found[] = [
    {
      format: 'cosign',
      where: 'fixture',
      payload: new TextEncoder().encode(keyless.payload),
      signature: a['dev.cosignproject.cosign/signature']!,
      certificate: a['dev.sigstore.cosign/certificate']!,
      chain: a['dev.sigstore.cosign/chain']!,
      rekorBundle: a['dev.sigstore.cosign/bundle']!,
    },
  ];
  const signer = async (identity: string, issuer = keyless.issuer): Promise<Signer> => {
    const pattern = compilePattern(`^(?:${identity})$`);
    return {
      kind: 'sigstore',
      label: 's',
      root: await parseTrustedRoot(publicGood),
      identity: (san) => pattern.found(san),
      issuer,
    };
  };
  it('accepted for its identity and issuer; log index and signing time from Rekor', async () => {
    const verdict = await verifyImageSignature(keyless.digest, found, [
      await signer('cosign@cosign-test-bazel-1-384518\\.iam\\.gserviceaccount\\.com'),
    ]);
    expect(verdict.outcome, JSON.stringify(verdict.attempts)).toMatchObject({
      kind: 'sigstore',
      identity: keyless.identity,
      issuer: keyless.issuer,
      logIndex: 18667247,
      time: '2023-04-22T18:55:42.000Z',
    });
  });
  it('refused for another identity, another issuer, another digest', async () => {
    const reason = async (digest: string, s: Signer) =>
      (await verifyImageSignature(digest, found, [s])).attempts[0]!.reason;
    expect(await reason(keyless.digest, await signer('release@acme\\.example'))).toContain('identity mismatch');
    expect(await reason(keyless.digest, await signer('.*', 'https://token.actions.githubusercontent.com'))).toContain(
      'issuer mismatch',
    );
    expect(await reason(cosign.digest, await signer('.*'))).toContain('digest mismatch');
  });
});

describe('Notation, JWS', () => {
  const envelope = new TextEncoder().encode(jws);
  const found: Found[] = [{ format: 'notation', where: 'fixture', mediaType: 'application/jose+json', envelope }];
  const signingCert = `-----BEGIN CERTIFICATE-----\n${(JSON.parse(jws) as { header: { x5c: string[] } }).header.x5c[0]}\n-----END CERTIFICATE-----\n`;
  const signer = (identities: string[], pem = signingCert): Signer => ({
    kind: 'notation',
    label: 'n',
    roots: parseCertificatesPem(pem),
    identities,
    at: new Date('2026-12-01T00:00:00Z'),
  });

  it('accepted with its certificate in the trust store and its subject as the trusted identity', async () => {
    for (const identities of [
      [NOTATION_SUBJECT],
      ['x509.subject: CN=alpine, O=Notary, L=Seattle, ST=WA, C=US'],
      ['*'],
    ]) {
      const verdict = await verifyImageSignature(NOTATION_DIGEST, found, [signer(identities)]);
      expect(verdict.outcome, JSON.stringify(verdict.attempts)).toMatchObject({
        kind: 'notation',
        identity: NOTATION_SUBJECT,
        time: '2023-03-14T08:10:02.000Z',
      });
    }
  });
  it('refused for another identity, another trust store, another digest, and when altered', async () => {
    const reasons = async (digest: string, s: Signer, items = found) =>
      (await verifyImageSignature(digest, items, [s])).attempts.map((a) => a.reason).join('; ');
    expect(await reasons(NOTATION_DIGEST, signer(['x509.subject: C=US, O=Notary, CN=release']))).toContain(
      'identity mismatch',
    );
    const stranger = (await import('../support/test-pki.js')).makeCertificate;
    const otherRoot = await stranger({ subject: 'CN=other root', ca: true });
    expect(await reasons(NOTATION_DIGEST, signer([NOTATION_SUBJECT], otherRoot.pem))).toContain(
      'does not lead to the trust store',
    );
    expect(await reasons(cosign.digest, signer([NOTATION_SUBJECT]))).toContain('digest mismatch');
    const doc = JSON.parse(jws) as { payload: string };
    const altered = new TextEncoder().encode(
      JSON.stringify({ ...JSON.parse(jws), payload: doc.payload.replace(/.$/, doc.payload.endsWith('A') ? 'B' : 'A') }),
    );
    expect(
      await reasons(NOTATION_DIGEST, signer([NOTATION_SUBJECT]), [
        { format: 'notation', where: 'x', mediaType: 'application/jose+json', envelope: altered },
      ]),
    ).toMatch(/does not verify|not a JWS/);
  });
});
