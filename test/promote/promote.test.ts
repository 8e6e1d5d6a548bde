// Manual promotions by rule: semver filters, templated tags, dry runs, immutable tags, mutable tags with backups.

import { describe, expect, inject, it } from 'vitest';
import { silentReporter } from '../../src/ops/copy/index.js';
import { executePromotion, planPromotion, findRule } from '../../src/ops/promote/index.js';
import { computeDigest } from '../../src/registry/digest.js';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeKey } from '../support/cosign-signing.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;
const source = fixture.registries.anonymous.host;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!.digest;
const V2S2 = fixture.skopeo.anonymous.v2s2!.digest;

function setup(mutable = false, extra: Record<string, unknown> = {}) {
  const staging = uniqueRepository('staging/app');
  const prod = uniqueRepository('prod/app');
  const service = makeService({
    registries: localRegistries(source, registry),
    promotion: {
      rules: [
        {
          name: 'release',
          source: { repository: `${registry}/staging/**`, tags: { semver: '>=1.0.0' } },
          targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}', '{semver.major}.{semver.minor}', 'latest'] }],
          mutable,
          records: 'always', // distribution 2.8: records through the tag fallback, which these tests read
          ...extra,
        },
      ],
    },
  });
  const promote = async (body: unknown) => {
    const res = await service.app.request('/v1/promote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const stage = async (image: string, tags: string[]) => {
    const run = await runCopy(
      service,
      { source: `${source}/ferry-test/${image}:v1`, target: `${registry}/${staging}:${tags[0]}`, tags: tags.slice(1) },
      'application/json',
    );
    expect(run.status).toBe(200);
  };
  return { service, staging, prod, promote, stage };
}

async function pushBlob(repository: string, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const digest = await computeDigest(bytes);
  const started = await fetch(`http://${registry}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  expect(started.status).toBe(202);
  const location = new URL(started.headers.get('location')!, `http://${registry}`);
  location.searchParams.set('digest', digest);
  const res = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  expect(res.status).toBe(201);
  return digest;
}

/** An OCI artifact whose subject is the multi-arch image, pushed by digest and under no tag. */
const MULTIARCH_SUBJECT = {
  mediaType: 'application/vnd.oci.image.index.v1+json',
  digest: MULTIARCH,
  size: atob(fixture.skopeo.anonymous.multiarch!.raw).length,
};

async function pushArtifact(repository: string, artifactType: string, content: string, subject = MULTIARCH_SUBJECT) {
  const config = await pushBlob(repository, '{}');
  const layer = await pushBlob(repository, content);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config, size: 2 },
    layers: [{ mediaType: artifactType, digest: layer, size: new TextEncoder().encode(content).byteLength }],
    subject,
  });
  const bytes = new TextEncoder().encode(manifest);
  const digest = await computeDigest(bytes);
  const res = await fetch(`http://${registry}/v2/${repository}/manifests/${digest}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: bytes,
  });
  expect(res.status).toBe(201);
  return {
    manifest,
    layer,
    descriptor: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: bytes.byteLength,
      artifactType,
    },
  };
}

async function putFallbackIndex(repository: string, manifests: unknown[]): Promise<void> {
  const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
  const res = await fetch(`http://${registry}/v2/${repository}/manifests/${MULTIARCH.replace(':', '-')}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
    body,
  });
  expect(res.status).toBe(201);
}

describe('promotion by rule', () => {
  it('a semver rule promotes 1.2.3 under the templated tags, and refuses 1.2.3-rc1 and latest', async () => {
    const { staging, prod, promote, stage } = setup();
    await stage('multiarch', ['1.2.3', '1.2.3-rc1', 'latest']);

    const dry = await promote({ source: `${registry}/${staging}:1.2.3`, rule: 'release' });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.plan.steps.map((s: any) => [s.tag, s.action])).toEqual([
      ['1.2.3', 'create'],
      ['1.2', 'create'],
      ['latest', 'create'],
    ]);
    expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:1.2.3`)).ok).toBe(false); // a dry run writes nothing

    const done = await promote({ source: `${registry}/${staging}:1.2.3`, rule: 'release', dryRun: false });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.results[0]).toMatchObject({ digest: MULTIARCH, tags: ['1.2.3', '1.2', 'latest'] });
    for (const tag of ['1.2.3', '1.2', 'latest']) {
      const raw = await judge(fixture.judge, 'raw', `${registry}/${prod}:${tag}`);
      expect(raw.raw).toBe(fixture.skopeo.anonymous.multiarch!.raw);
    }
    for (const tag of ['1.2.3-rc1', 'latest']) {
      const refused = await promote({ source: `${registry}/${staging}:${tag}`, rule: 'release', dryRun: false });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('RULE_MISMATCH');
    }
  });

  it('an immutable target tag that names another digest is a conflict and stays unchanged', async () => {
    const { staging, prod, promote, stage } = setup(false);
    await stage('multiarch', ['1.0.0']);
    expect((await promote({ source: `${registry}/${staging}:1.0.0`, rule: 'release', dryRun: false })).status).toBe(
      200,
    );
    await stage('v2s2', ['1.0.0']); // staging's 1.0.0 now names another image
    const again = await promote({ source: `${registry}/${staging}:1.0.0`, rule: 'release', dryRun: false });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONFLICT');
    const raw = await judge(fixture.judge, 'raw', `${registry}/${prod}:1.0.0`);
    expect(raw.raw).toBe(fixture.skopeo.anonymous.multiarch!.raw);
  });

  it('a dry run answers as the real run would: conflict 409 with the plan, rule mismatch and missing signature 422', async () => {
    const { staging, promote, stage } = setup(false);
    await stage('multiarch', ['1.0.0']);
    expect((await promote({ source: `${registry}/${staging}:1.0.0`, rule: 'release', dryRun: false })).status).toBe(
      200,
    );
    await stage('v2s2', ['1.0.0', '0.9.0']);
    const dry = await promote({ source: `${registry}/${staging}:1.0.0`, rule: 'release' });
    const real = await promote({ source: `${registry}/${staging}:1.0.0`, rule: 'release', dryRun: false });
    expect([dry.status, dry.body.code]).toEqual([409, 'CONFLICT']);
    expect([real.status, real.body.code]).toEqual([409, 'CONFLICT']);
    expect(dry.body.plan.steps.map((s: { action: string }) => s.action)).toContain('conflict');
    for (const dryRun of [undefined, false]) {
      const mismatch = await promote({
        source: `${registry}/${staging}:0.9.0`,
        rule: 'release',
        ...(dryRun === false ? { dryRun } : {}),
      });
      expect([mismatch.status, mismatch.body.code]).toEqual([422, 'RULE_MISMATCH']);
    }
    const unsigned = setup(false, { verify: { signers: [{ kind: 'cosign-key', publicKey: (await makeKey()).pem }] } });
    await unsigned.stage('v2s2', ['5.0.0']);
    for (const dryRun of [true, false]) {
      const refused = await unsigned.promote({
        source: `${registry}/${unsigned.staging}:5.0.0`,
        rule: 'release',
        dryRun,
      });
      expect([refused.status, refused.body.code]).toEqual([422, 'SIGNATURE_MISSING']);
    }
  });

  it('a mutable rule keeps a backup tag of the old digest, then moves the tag', async () => {
    const { staging, prod, promote, stage } = setup(true);
    await stage('multiarch', ['2.0.0']);
    expect((await promote({ source: `${registry}/${staging}:2.0.0`, rule: 'release', dryRun: false })).status).toBe(
      200,
    );
    await stage('v2s2', ['2.0.0']);
    const moved = await promote({ source: `${registry}/${staging}:2.0.0`, rule: 'release', dryRun: false });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const step = moved.body.plan.steps.find((s: any) => s.tag === '2.0.0');
    expect(step).toMatchObject({
      action: 'move',
      current: MULTIARCH,
      backupTag: expect.stringMatching(new RegExp(`^2\\.0\\.0-backup-\\d{17}-${MULTIARCH.slice(7, 19)}$`)),
    });
    expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:${step.backupTag}`)).raw).toBe(
      fixture.skopeo.anonymous.multiarch!.raw,
    );
    expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:2.0.0`)).raw).toBe(
      fixture.skopeo.anonymous.v2s2!.raw,
    );
    expect(moved.body.results[0].digest).toBe(V2S2);
  });

  it('a digest that no longer matches the tag is refused (the event was stale)', async () => {
    const { staging, promote, stage } = setup();
    await stage('multiarch', ['3.0.0']);
    const stale = await promote({ source: `${registry}/${staging}:3.0.0@${V2S2}`, rule: 'release' });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('CONFLICT');
  });

  it('leaves a promotion record that refers to the promoted digest (tag fallback on distribution 2.8, asked for)', async () => {
    const { staging, prod, promote, stage } = setup();
    await stage('multiarch', ['4.0.0']);
    expect((await promote({ source: `${registry}/${staging}:4.0.0`, rule: 'release', dryRun: false })).status).toBe(
      200,
    );
    const fallback = await judge(fixture.judge, 'raw', `${registry}/${prod}:${MULTIARCH.replace(':', '-')}`);
    expect(fallback.ok, fallback.error).toBe(true);
    const index = JSON.parse(atob(fallback.raw!));
    const referrer = index.manifests.find((m: any) => m.artifactType === 'application/vnd.ferry.promotion.v1+json');
    expect(referrer).toBeDefined();
    const artifact = JSON.parse(
      atob((await judge(fixture.judge, 'raw', `${registry}/${prod}@${referrer.digest}`)).raw!),
    );
    expect(artifact.subject.digest).toBe(MULTIARCH);
    const record = await (await fetch(`http://${registry}/v2/${prod}/blobs/${artifact.layers[0].digest}`)).json();
    expect(record).toMatchObject({
      rule: 'release',
      source: `${registry}/${staging}:4.0.0@${MULTIARCH}`,
      digest: MULTIARCH,
      trigger: 'anonymous',
      tags: ['4.0.0', '4.0', 'latest'],
    });
  });

  it('copies the cosign signature tag along when the rule asks', async () => {
    const signed = setup(false, { copyReferrers: true });
    await signed.stage('multiarch', ['5.0.0']);
    const sigTag = `${MULTIARCH.replace(':', '-')}.sig`;
    // Any manifest serves as the stand-in signature: what matters is that it travels byte for byte.
    await runCopy(
      signed.service,
      { source: `${source}/ferry-test/v2s2:v1`, target: `${registry}/${signed.staging}:${sigTag}` },
      'application/json',
    );
    expect(
      (await signed.promote({ source: `${registry}/${signed.staging}:5.0.0`, rule: 'release', dryRun: false })).status,
    ).toBe(200);
    expect((await judge(fixture.judge, 'raw', `${registry}/${signed.prod}:${sigTag}`)).raw).toBe(
      fixture.skopeo.anonymous.v2s2!.raw,
    );
  });

  it("copies OCI referrers (tag fallback) by digest, and keeps the target's own", async () => {
    const { staging, prod, promote, stage } = setup(false, { copyReferrers: true });
    await stage('multiarch', ['6.0.0']);
    // What oras or notation leave on a registry without the referrers API: artifacts naming the image as
    // their subject, listed in the sha256-<hex> index.
    const sbom = await pushArtifact(staging, 'application/spdx+json', '{"spdxVersion":"SPDX-2.3"}');
    const signature = await pushArtifact(staging, 'application/vnd.cncf.notary.signature', '{"payload":"signed"}');
    // Anyone who may push writes the index: an artifact about another image listed in it is not this one's
    // (security review v2, weak item 31), and does not travel.
    const v2s2 = fixture.skopeo.anonymous.v2s2!;
    const foreign = await pushArtifact(staging, 'application/vnd.example.foreign+json', '{}', {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      digest: v2s2.digest,
      size: atob(v2s2.raw).length,
    });
    await putFallbackIndex(staging, [sbom.descriptor, signature.descriptor, foreign.descriptor]);
    const earlier = await pushArtifact(prod, 'application/vnd.example.scan+json', '{"scanner":"earlier"}');
    await putFallbackIndex(prod, [earlier.descriptor]);

    const done = await promote({ source: `${registry}/${staging}:6.0.0`, rule: 'release', dryRun: false });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const index = JSON.parse(
      atob((await judge(fixture.judge, 'raw', `${registry}/${prod}:${MULTIARCH.replace(':', '-')}`)).raw!),
    );
    const types = index.manifests.map((m: { artifactType: string }) => m.artifactType);
    // oras, reading the tag fallback as it does on distribution 2.8, finds the same referrers.
    const discovered = await judge(
      fixture.judge,
      'oras-discover',
      `${registry}/${prod}@${MULTIARCH}`,
      undefined,
      'v1.1-referrers-tag',
    );
    expect(discovered.referrers?.map((r) => r.artifactType).sort(), discovered.error).toEqual([...types].sort());
    expect(types).toEqual([
      'application/vnd.example.scan+json',
      'application/spdx+json',
      'application/vnd.cncf.notary.signature',
      'application/vnd.ferry.promotion.v1+json',
    ]);
    for (const artifact of [sbom, signature]) {
      expect((await judge(fixture.judge, 'raw', `${registry}/${prod}@${artifact.descriptor.digest}`)).raw).toBe(
        btoa(artifact.manifest),
      );
      expect((await fetch(`http://${registry}/v2/${prod}/blobs/${artifact.layer}`, { method: 'HEAD' })).status).toBe(
        200,
      );
    }
    // A second promotion of the same digest (another tag) adds its own record and nothing twice.
    await stage('multiarch', ['6.0.1']);
    expect((await promote({ source: `${registry}/${staging}:6.0.1`, rule: 'release', dryRun: false })).status).toBe(
      200,
    );
    const after = JSON.parse(
      atob((await judge(fixture.judge, 'raw', `${registry}/${prod}:${MULTIARCH.replace(':', '-')}`)).raw!),
    );
    expect(after.manifests.map((m: { artifactType: string }) => m.artifactType)).toEqual([
      ...types,
      'application/vnd.ferry.promotion.v1+json',
    ]);
    expect(new Set(after.manifests.map((m: { digest: string }) => m.digest)).size).toBe(5);
  });

  it("a tag another promotion took while this one copied is a conflict; none of the target's tags move", async () => {
    const { service, staging, prod, stage } = setup();
    await stage('multiarch', ['7.0.0']);
    const rule = await findRule(service.deps, 'release');
    const plan = await planPromotion(service.deps, `${registry}/${staging}:7.0.0`, rule);
    expect(plan.steps.map((s) => s.action)).toEqual(['create', 'create', 'create']);
    // Meanwhile a different image lands on the second tag.
    expect(
      (
        await runCopy(
          service,
          { source: `${source}/ferry-test/v2s2:v1`, target: `${registry}/${prod}:7.0` },
          'application/json',
        )
      ).status,
    ).toBe(200);
    await expect(executePromotion(service.deps, { rule, plan }, silentReporter, 'test')).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { tag: '7.0', current: V2S2 },
    });
    expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:7.0`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);
    expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:7.0.0`)).ok).toBe(false);
    expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:latest`)).ok).toBe(false);
  });

  it('an unknown rule is NOT_FOUND', async () => {
    const { staging, promote } = setup();
    expect((await promote({ source: `${registry}/${staging}:1.0.0`, rule: 'nope' })).body.code).toBe('NOT_FOUND');
  });
});
