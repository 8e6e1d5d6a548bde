// The `verify` gate with keyless Sigstore signers and Notation, against real registries: cosign keyless
// `.sig` layers and Sigstore bundle referrers from a local Sigstore (test/support/local-sigstore.ts: its
// own CA, CT log and Rekor log, named by its trusted root), and Notation JWS referrers from a local CA.
// The right identity promotes; the right digest under an identity the rule does not accept is refused.

import { describe, expect, inject, it } from 'vitest';
import { runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { pushReferrer, pushSignatureTag, simpleSigningPayload } from '../support/cosign-signing.js';
import { COSIGN_SIGN, startLocalSigstore } from '../support/local-sigstore.js';
import { notationEnvelope } from '../support/notation-signing.js';
import { makeService } from '../support/service.js';
import { makeCertificate } from '../support/test-pki.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;
const V2S2 = fixture.skopeo.anonymous.v2s2!;
const SUBJECT = {
  digest: V2S2.digest,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  size: atob(V2S2.raw).length,
};
const CI = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const GITHUB = 'https://token.actions.githubusercontent.com';
const SECRET = 'keyless-receiver-secret-91c2';

const sigstore = await startLocalSigstore();

function setup(verify: unknown) {
  const staging = uniqueRepository('staging/keyless');
  const prod = uniqueRepository('prod/keyless');
  const service = makeService(
    {
      registries: localRegistries(source, registry),
      webhooks: { receivers: { staging: { format: 'distribution', registry, secret: SECRET } } },
      promotion: {
        rules: [
          {
            name: 'release',
            source: { repository: `${registry}/${staging}`, tags: { semver: '>=1.0.0' } },
            targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}'] }],
            verify,
          },
        ],
      },
      callers: { anonymous: true },
    },
    { jobs: true, secrets: { SIGSTORE_ROOT: sigstore.trustedRoot } },
  );
  const stage = async () =>
    expect(
      (
        await runCopy(
          service,
          { source: `${source}/ferry-test/v2s2:v1`, target: `${registry}/${staging}:1.0.0` },
          'application/json',
        )
      ).status,
    ).toBe(200);
  const promote = async (dryRun = false) => {
    const res = await service.app.request('/v1/promote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${registry}/${staging}:1.0.0`, rule: 'release', dryRun }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const notify = async () => {
    const envelope = {
      events: [
        {
          id: `event-${crypto.randomUUID()}`,
          action: 'push',
          target: { mediaType: SUBJECT.mediaType, digest: V2S2.digest, repository: staging, tag: '1.0.0' },
        },
      ],
    };
    const res = await service.app.request('/v1/webhooks/staging', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${SECRET}`,
        'content-type': 'application/vnd.docker.distribution.events.v1+json',
      },
      body: JSON.stringify(envelope),
    });
    expect(res.status).toBe(202);
    return waitForJob(service, ((await res.json()) as { jobs: string[] }).jobs[0]!);
  };
  return { staging, stage, promote, notify };
}

const keyless = (identity = CI, issuer = GITHUB) => ({
  signers: [{ kind: 'sigstore', identity, issuer, trustedRoot: { secret: 'SIGSTORE_ROOT' } }],
});

describe('keyless cosign (.sig layer with certificate and Rekor bundle)', () => {
  it('promoted for the accepted identity; the identity, issuer, log index and time are recorded', async () => {
    const s = setup(keyless('https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/heads/.*'));
    await s.stage();
    const payload = simpleSigningPayload(`${registry}/${s.staging}`, V2S2.digest);
    const signed = await sigstore.signLayer(CI, GITHUB, payload);
    await pushSignatureTag(registry, s.staging, V2S2.digest, [{ payload, annotations: signed.annotations }]);
    const done = await s.promote();
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.plan.verified.signature).toMatchObject({
      kind: 'sigstore',
      identity: CI,
      issuer: GITHUB,
      logIndex: expect.any(Number),
      time: expect.any(String),
    });
  });

  it('the right digest signed under an identity or issuer the rule does not accept is refused, also as a webhook job', async () => {
    const s = setup(keyless());
    await s.stage();
    const payload = simpleSigningPayload(`${registry}/${s.staging}`, V2S2.digest);
    await pushSignatureTag(registry, s.staging, V2S2.digest, [
      {
        payload,
        annotations: (
          await sigstore.signLayer(
            'https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main',
            GITHUB,
            payload,
          )
        ).annotations,
      },
      { payload, annotations: (await sigstore.signLayer(CI, 'https://accounts.example.com', payload)).annotations },
    ]);
    for (const dryRun of [true, false]) {
      const refused = await s.promote(dryRun);
      expect([refused.status, refused.body.code]).toEqual([422, 'SIGNATURE_INVALID']);
      expect(refused.body.attempts.map((a: { reason: string }) => a.reason)).toEqual([
        expect.stringContaining('identity mismatch'),
        expect.stringContaining('issuer mismatch'),
      ]);
    }
    const job = await s.notify();
    expect(job).toMatchObject({
      state: 'failed',
      error: { code: 'SIGNATURE_INVALID', message: expect.stringContaining('identity mismatch') },
    });
  });

  it('a certificate from another Sigstore (not in the trusted root) is refused', async () => {
    const s = setup(keyless());
    await s.stage();
    const payload = simpleSigningPayload(`${registry}/${s.staging}`, V2S2.digest);
    const stranger = await startLocalSigstore();
    await pushSignatureTag(registry, s.staging, V2S2.digest, [
      { payload, annotations: (await stranger.signLayer(CI, GITHUB, payload)).annotations },
    ]);
    const refused = await s.promote();
    expect(refused.body.code).toBe('SIGNATURE_INVALID');
    expect(refused.body.detail).toMatch(/log the trusted root does not name|does not chain to a trusted CA/);
  });
});

describe('Sigstore bundles as referrers (cosign bundle format)', () => {
  it('a bundle signing the digest promotes; an SLSA attestation bundle gates on builder.id', async () => {
    const slsa = 'https://slsa.dev/provenance/v1';
    const s = setup({
      ...keyless(),
      attestations: [
        {
          predicateType: slsa,
          signer: keyless().signers[0],
          conditions: { 'runDetails.builder.id': 'https://github.com/acme/ci' },
        },
      ],
    });
    await s.stage();
    const push = async (bundle: unknown) =>
      pushReferrer(registry, s.staging, SUBJECT, 'application/vnd.dev.sigstore.bundle.v0.3+json', {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        bytes: new TextEncoder().encode(JSON.stringify(bundle)),
      });
    await push(await sigstore.bundle(CI, GITHUB, V2S2.digest, COSIGN_SIGN));
    await push(
      await sigstore.bundle(CI, GITHUB, V2S2.digest, slsa, {
        runDetails: { builder: { id: 'https://github.com/evil/ci' } },
      }),
    );
    const refused = await s.promote();
    expect([refused.status, refused.body.code], JSON.stringify(refused.body)).toEqual([422, 'SIGNATURE_INVALID']);
    expect(refused.body.detail).toContain('predicate runDetails.builder.id is "https://github.com/evil/ci"');
    await push(
      await sigstore.bundle(CI, GITHUB, V2S2.digest, slsa, {
        runDetails: { builder: { id: 'https://github.com/acme/ci' } },
      }),
    );
    const done = await s.promote();
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.plan.verified).toMatchObject({
      signature: { kind: 'sigstore', identity: CI },
      attestations: [{ kind: 'sigstore', identity: CI }],
    });
  });
});

describe('Notation (JWS referrers)', () => {
  // A Notation JWS signature of the image by `leaf`, pushed as a referrer in `staging`.
  const signNotation = async (staging: string, leaf: Awaited<ReturnType<typeof makeCertificate>>) =>
    pushReferrer(registry, staging, SUBJECT, 'application/vnd.cncf.notary.signature', {
      mediaType: 'application/jose+json',
      bytes: await notationEnvelope([leaf], { mediaType: SUBJECT.mediaType, digest: V2S2.digest, size: SUBJECT.size }),
    });

  it('signed by a certificate under the trust store with a trusted identity: promoted; another identity or trust store: refused', async () => {
    const root = await makeCertificate({ subject: 'O=Acme, CN=Acme Root', ca: true });
    const leaf = await makeCertificate({ subject: 'C=US, O=Acme, CN=release', issuer: root, codeSigning: true });
    const notation = (identities: string[], trustStore = root.pem) => ({
      signers: [{ kind: 'notation', trustStore, identities }],
    });
    const sign = (staging: string) => signNotation(staging, leaf);

    const good = setup(notation(['x509.subject: CN=release, O=Acme, C=US']));
    await good.stage();
    await sign(good.staging);
    const done = await good.promote();
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.plan.verified.signature).toMatchObject({
      kind: 'notation',
      identity: 'x509.subject: C=US, O=Acme, CN=release',
    });

    const otherIdentity = setup(notation(['x509.subject: C=US, O=Acme, CN=nightly']));
    await otherIdentity.stage();
    await sign(otherIdentity.staging);
    expect((await otherIdentity.promote()).body.detail).toContain('identity mismatch');

    const otherStore = setup(notation(['*'], (await makeCertificate({ subject: 'CN=Other Root', ca: true })).pem));
    await otherStore.stage();
    await sign(otherStore.staging);
    const refused = await otherStore.promote();
    expect([refused.body.code, refused.body.detail]).toEqual([
      'SIGNATURE_INVALID',
      expect.stringContaining('does not lead to the trust store'),
    ]);
  });

  it('security review v2, B5 and weak item 49: a comma inside one attribute is not three attributes, and a CA is no signer', async () => {
    const root = await makeCertificate({ subject: 'O=Acme, CN=Acme Root', ca: true });
    const notation = (identities: string[]) => ({ signers: [{ kind: 'notation', trustStore: root.pem, identities }] });
    // Signed by `leaf`, promoted under the identity C=US, O=Acme, CN=release: refused, saying `why`.
    const refusedFor = async (leaf: Awaited<ReturnType<typeof makeCertificate>>, why: string) => {
      const promotion = setup(notation(['x509.subject: C=US, O=Acme, CN=release']));
      await promotion.stage();
      await signNotation(promotion.staging, leaf);
      const refused = await promotion.promote();
      expect([refused.body.code, refused.body.detail], JSON.stringify(refused.body)).toEqual([
        'SIGNATURE_INVALID',
        expect.stringContaining(why),
      ]);
    };
    // One CN whose value is "release, O=Acme, C=US".
    await refusedFor(
      await makeCertificate({ subject: 'CN=release\\, O=Acme\\, C=US', issuer: root, codeSigning: true }),
      'identity mismatch',
    );
    // A CA certificate (basicConstraints CA:true) with the right subject and codeSigning signs nothing.
    await refusedFor(
      await makeCertificate({ subject: 'C=US, O=Acme, CN=release', issuer: root, codeSigning: true, ca: true }),
      'certificate authority',
    );
  });
});
