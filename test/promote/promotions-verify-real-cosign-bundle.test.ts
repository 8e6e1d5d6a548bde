// A real cosign artefact through the whole gate, against a real registry: the Sigstore bundle `cosign
// attest` made (cosign's own test data, test/fixtures/cosign/ORIGIN.md) is pushed as a referrer of the
// image it attests (go-containerregistry's empty image, rebuilt byte for byte), and a rule that wants
// that attestation, by that identity, under cosign's trusted root, promotes it; another identity or a
// predicate condition it does not meet is refused.

import { expect, inject, it } from 'vitest';
import { judge, uniqueRepository } from '../support/copying.js';
import { pushBlob, pushReferrer } from '../support/cosign-signing.js';
import { makeService } from '../support/service.js';
import bundle from '../fixtures/cosign/oci-attestation.sigstore.json?raw';
import trustedRoot from '../fixtures/cosign/trusted_root_pgi.json?raw';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;
const EMPTY_CONFIG =
  '{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}';
const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const ATTESTATION = 'https://cosign.sigstore.dev/attestation/v1';

async function stageEmptyImage(repository: string): Promise<{ digest: string; size: number }> {
  const config = await pushBlob(registry, repository, new TextEncoder().encode(EMPTY_CONFIG));
  const manifest = `{"schemaVersion":2,"mediaType":"${DOCKER_V2}","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":${EMPTY_CONFIG.length},"digest":"${config}"},"layers":[]}`;
  const res = await fetch(`http://${registry}/v2/${repository}/manifests/1.0.0`, {
    method: 'PUT',
    headers: { 'content-type': DOCKER_V2 },
    body: manifest,
  });
  expect(res.status).toBe(201);
  return { digest: res.headers.get('docker-content-digest')!, size: manifest.length };
}

function setup(staging: string, prod: string, identity: string, conditions: Record<string, string>) {
  const signer = {
    kind: 'sigstore',
    identity,
    issuer: 'https://github.com/login/oauth',
    trustedRoot: { secret: 'COSIGN_TEST_ROOT' },
  };
  return makeService(
    {
      registries: localRegistries(registry),
      promotion: {
        rules: [
          {
            name: 'attested',
            source: { repository: `${registry}/${staging}`, tags: { exact: '1.0.0' } },
            targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}'] }],
            verify: { attestations: [{ predicateType: ATTESTATION, signer, conditions }] },
          },
        ],
      },
      callers: { anonymous: true },
    },
    { secrets: { COSIGN_TEST_ROOT: trustedRoot } },
  );
}

it("cosign's own attestation bundle promotes its image for its identity; another identity or an unmet condition is refused", async () => {
  const staging = uniqueRepository('staging/cosign-real');
  const image = await stageEmptyImage(staging);
  expect(image.digest).toBe('sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4');
  await pushReferrer(
    registry,
    staging,
    { ...image, mediaType: DOCKER_V2 },
    'application/vnd.dev.sigstore.bundle.v0.3+json',
    { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', bytes: new TextEncoder().encode(bundle) },
  );
  const promote = async (identity: string, conditions: Record<string, string>) => {
    const prod = uniqueRepository('prod/cosign-real');
    const res = await setup(staging, prod, identity, conditions).app.request('/v1/promote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${registry}/${staging}:1.0.0`, rule: 'attested', dryRun: false }),
    });
    return { status: res.status, body: (await res.json()) as any, prod };
  };

  const done = await promote('cody@soyland\\.com', { Data: '{"foo": "bar"}\n' });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  expect(done.body.plan.verified.attestations[0]).toMatchObject({
    kind: 'sigstore',
    identity: 'cody@soyland.com',
    issuer: 'https://github.com/login/oauth',
    logIndex: expect.any(Number),
    time: '2025-02-28T19:18:11.000Z',
  });
  expect((await judge(fixture.judge, 'raw', `${registry}/${done.prod}:1.0.0`)).ok).toBe(true);

  const stranger = await promote('someone@example\\.com', { Data: '{"foo": "bar"}\n' });
  expect([stranger.status, stranger.body.code]).toEqual([422, 'SIGNATURE_INVALID']);
  expect(stranger.body.detail).toContain('identity mismatch: the certificate is for cody@soyland.com');
  const unmet = await promote('cody@soyland\\.com', { Data: '{"foo": "baz"}\n' });
  expect(unmet.body.detail).toContain('predicate Data is');
  expect((await judge(fixture.judge, 'raw', `${registry}/${unmet.prod}:1.0.0`)).ok).toBe(false);
});
