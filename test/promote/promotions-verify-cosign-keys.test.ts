// A rule's `verify` gate with cosign keys, against real registries: the image is promoted only when a
// signature read from the SOURCE repository verifies, with an accepted key, for exactly the promoted
// digest. Signatures are made here in cosign's documented layouts (test/support/cosign-signing.ts; Debian
// has no cosign). Refusals say which signature failed and why; dry runs answer as the real run.

import { describe, expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import {
  attestationLayer,
  makeKey,
  pushSignatureReferrer,
  pushSignatureTag,
  signatureLayer,
  simpleSigningPayload,
  type KeyKind,
  type TestKey,
} from '../support/cosign-signing.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;
const V2S2 = fixture.skopeo.anonymous.v2s2!;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!;
const SECRET = 'verify-receiver-secret-0b5e';
const SLSA = 'https://slsa.dev/provenance/v1';

const [keyA, keyB] = await Promise.all([makeKey('P-256'), makeKey('P-256')]);

function setup(verify: unknown, secrets: Record<string, string> = {}) {
  const staging = uniqueRepository('staging/signed');
  const prod = uniqueRepository('prod/signed');
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
            records: 'always', // distribution 2.8: the record through the tag fallback
          },
        ],
      },
      callers: { anonymous: true },
    },
    { jobs: true, secrets },
  );
  const stage = async (image: 'v2s2' | 'multiarch', tag: string) =>
    expect(
      (
        await runCopy(
          service,
          { source: `${source}/ferry-test/${image}:v1`, target: `${registry}/${staging}:${tag}` },
          'application/json',
        )
      ).status,
    ).toBe(200);
  const promote = async (tag: string, dryRun = false) => {
    const res = await service.app.request('/v1/promote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${registry}/${staging}:${tag}`, rule: 'release', dryRun }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const notify = async (digest: string, tag: string) => {
    const envelope = {
      events: [
        {
          id: `event-${crypto.randomUUID()}`,
          action: 'push',
          target: { mediaType: 'application/vnd.oci.image.index.v1+json', digest, repository: staging, tag },
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
  const promoted = async (tag: string) => (await judge(fixture.judge, 'raw', `${registry}/${prod}:${tag}`)).ok;
  const audit = async () =>
    ((await (await service.app.request('/v1/audit?limit=50')).json()) as { records: any[] }).records.filter(
      (r) => r.action === 'promote',
    );
  return { service, staging, prod, stage, promote, notify, promoted, audit };
}

const keyPolicy = (key: TestKey = keyA) => ({ signers: [{ kind: 'cosign-key', publicKey: key.pem }] });
const sign = async (key: TestKey, staging: string, digest: string) =>
  signatureLayer(key, simpleSigningPayload(`${registry}/${staging}`, digest));

describe('cosign key signatures', () => {
  it('an image signed with the accepted key (.sig tag) is promoted; the signer goes into the plan, the record and the audit', async () => {
    const s = setup(keyPolicy());
    await s.stage('multiarch', '1.0.0');
    await pushSignatureTag(registry, s.staging, MULTIARCH.digest, [await sign(keyA, s.staging, MULTIARCH.digest)]);
    const done = await s.promote('1.0.0');
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.plan.verified.signature).toMatchObject({
      kind: 'cosign-key',
      signer: 'release.verify.signers[0]',
      identity: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      where: expect.stringContaining('.sig layers[0]'),
    });
    expect(await s.promoted('1.0.0')).toBe(true);
    expect((await s.audit())[0]).toMatchObject({
      outcome: 'ok',
      verified: { signature: { kind: 'cosign-key', identity: done.body.plan.verified.signature.identity } },
    });
    // The promotion record the target keeps (a referrer of the promoted digest) says who signed it.
    const get = async (path: string, accept = '*/*') =>
      (await fetch(`http://${registry}/v2/${s.prod}/${path}`, { headers: { accept } })).json() as Promise<any>;
    const index = await get(
      `manifests/${MULTIARCH.digest.replace(':', '-')}`,
      'application/vnd.oci.image.index.v1+json',
    );
    const artifact = await get(
      `manifests/${index.manifests.find((m: { artifactType: string }) => m.artifactType === 'application/vnd.ferry.promotion.v1+json').digest}`,
      'application/vnd.oci.image.manifest.v1+json',
    );
    expect((await get(`blobs/${artifact.layers[0].digest}`)).verified).toEqual(done.body.plan.verified);
  });

  it.each(['P-384', 'RSA', 'Ed25519'] as KeyKind[])(
    'a %s key verifies as well (OCI 1.1 referrer layout)',
    async (kind) => {
      const key = await makeKey(kind);
      const s = setup(keyPolicy(key));
      await s.stage('v2s2', '1.0.0');
      await pushSignatureReferrer(
        registry,
        s.staging,
        {
          digest: V2S2.digest,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          size: atob(V2S2.raw).length,
        },
        [await sign(key, s.staging, V2S2.digest)],
      );
      const done = await s.promote('1.0.0');
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body.plan.verified.signature.where).toContain(`@sha256:`);
    },
  );

  it('refusals, each with its code and reason, the same in a dry run and in a webhook job, nothing promoted', async () => {
    const cases: {
      name: string;
      prepare: (s: ReturnType<typeof setup>) => Promise<void>;
      code: string;
      reason: RegExp;
    }[] = [
      {
        name: 'no signature',
        prepare: async () => {},
        code: 'SIGNATURE_MISSING',
        reason: /has none \(no sha256-[0-9a-f]{64}\.sig tag, no signature referrer\)/,
      },
      {
        name: 'another key',
        prepare: async (s) =>
          pushSignatureTag(registry, s.staging, V2S2.digest, [await sign(keyB, s.staging, V2S2.digest)]),
        code: 'SIGNATURE_INVALID',
        reason: /does not verify with release\.verify\.signers\[0\]'s key \(wrong key\)/,
      },
      {
        name: 'a payload naming another digest',
        prepare: async (s) =>
          pushSignatureTag(registry, s.staging, V2S2.digest, [await sign(keyA, s.staging, MULTIARCH.digest)]),
        code: 'SIGNATURE_INVALID',
        reason: new RegExp(`digest mismatch: the payload signs ${MULTIARCH.digest}, not ${V2S2.digest}`),
      },
      {
        name: 'an ordinary image under the .sig tag',
        prepare: async (s) =>
          expect(
            (
              await runCopy(
                s.service,
                {
                  source: `${source}/ferry-test/v2s2:v1`,
                  target: `${registry}/${s.staging}:${V2S2.digest.replace(':', '-')}.sig`,
                },
                'application/json',
              )
            ).status,
          ).toBe(200),
        code: 'SIGNATURE_INVALID',
        reason:
          /a layer of type application\/vnd\.docker\.image\.rootfs\.diff\.tar\.gzip, not application\/vnd\.dev\.cosign\.simplesigning\.v1\+json: not a signature/,
      },
    ];
    for (const c of cases) {
      const s = setup(keyPolicy());
      await s.stage('v2s2', '1.0.0');
      await c.prepare(s);
      for (const dryRun of [true, false]) {
        const refused = await s.promote('1.0.0', dryRun);
        expect([c.name, refused.status, refused.body.code], JSON.stringify(refused.body)).toEqual([
          c.name,
          422,
          c.code,
        ]);
        expect(refused.body.detail).toMatch(c.reason);
        if (c.code === 'SIGNATURE_INVALID')
          expect(refused.body.attempts[0]).toMatchObject({
            signer: expect.stringContaining('release.verify.signers[0]'),
            reason: expect.stringMatching(c.reason),
          });
      }
      // The same refusal for a webhook-triggered promotion: its job fails with the code and the reason.
      const job = await s.notify(V2S2.digest, '1.0.0');
      expect([c.name, job.state, job.error?.code]).toEqual([c.name, 'failed', c.code]);
      expect(job.error.message).toMatch(c.reason);
      expect(await s.promoted('1.0.0'), c.name).toBe(false);
    }
  });

  it('a key from a secret; a webhook job refused by the gate fails with the code and the reason', async () => {
    const s = setup(
      { signers: [{ kind: 'cosign-key', publicKey: { secret: 'COSIGN_PUB' } }] },
      { COSIGN_PUB: keyA.pem },
    );
    await s.stage('v2s2', '1.0.0');
    await pushSignatureTag(registry, s.staging, V2S2.digest, [await sign(keyB, s.staging, V2S2.digest)]);
    const job = await s.notify(V2S2.digest, '1.0.0');
    expect(job).toMatchObject({
      kind: 'promote',
      state: 'failed',
      error: { code: 'SIGNATURE_INVALID', message: expect.stringContaining('wrong key') },
    });
    expect(await s.promoted('1.0.0')).toBe(false);
    await pushSignatureTag(registry, s.staging, V2S2.digest, [await sign(keyA, s.staging, V2S2.digest)]);
    await s.stage('v2s2', '1.0.1');
    const accepted = await s.notify(V2S2.digest, '1.0.1');
    expect(accepted.state, JSON.stringify(accepted)).toBe('done');
    expect(await s.promoted('1.0.1')).toBe(true);
  });
});

describe('attestations', () => {
  it('SLSA provenance signed by the key: accepted when builder.id equals the configured value, refused otherwise', async () => {
    const policy = (builder: string) => ({
      attestations: [
        {
          predicateType: SLSA,
          signer: { kind: 'cosign-key', publicKey: keyA.pem },
          conditions: { 'runDetails.builder.id': builder },
        },
      ],
    });
    const predicate = {
      buildDefinition: { buildType: 'https://example.com/build' },
      runDetails: { builder: { id: 'https://github.com/acme/ci' } },
    };
    const good = setup(policy('https://github.com/acme/ci'));
    await good.stage('v2s2', '1.0.0');
    await pushSignatureTag(
      registry,
      good.staging,
      V2S2.digest,
      [await attestationLayer(keyA, V2S2.digest, SLSA, predicate)],
      '.att',
    );
    const done = await good.promote('1.0.0');
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.plan.verified.attestations).toHaveLength(1);

    const bad = setup(policy('https://github.com/evil/ci'));
    await bad.stage('v2s2', '1.0.0');
    await pushSignatureTag(
      registry,
      bad.staging,
      V2S2.digest,
      [await attestationLayer(keyA, V2S2.digest, SLSA, predicate)],
      '.att',
    );
    const refused = await bad.promote('1.0.0');
    expect([refused.status, refused.body.code]).toEqual([422, 'SIGNATURE_INVALID']);
    expect(refused.body.detail).toContain(
      'predicate runDetails.builder.id is "https://github.com/acme/ci", not "https://github.com/evil/ci"',
    );
    const unattested = setup(policy('https://github.com/acme/ci'));
    await unattested.stage('v2s2', '1.0.0');
    expect((await unattested.promote('1.0.0')).body.code).toBe('SIGNATURE_MISSING');
  });
});
