// `/v1/copy` with `referrers` carries an image's signatures, attestations and SBOMs along (skopeo #1994,
// #2227: a copy that leaves them behind): cosign's `sha256-<hex>.sig` tags as tags, OCI referrers by digest
// (listed at the target, here in the tag fallback of distribution 2.8), and what refers to those in turn.

import { expect, inject, it } from 'vitest';
import { pushReferrer, pushSignatureTag, type SignatureLayer } from '../support/cosign-signing.js';
import { localRegistries } from '../support/configs.js';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const host = fixture.targets.anonymous.host;
const multiarch = fixture.skopeo.anonymous.multiarch!;
const subject = {
  digest: multiarch.digest,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  size: atob(multiarch.raw).length,
};
const SBOM = 'application/spdx+json';
const NOTATION = 'application/vnd.cncf.notary.signature';
const text = (s: string) => new TextEncoder().encode(s);
const layer = (payload: string): SignatureLayer => ({ payload: text(payload), annotations: {} });
const cosignTag = (digest: string) => `${digest.replace(':', '-')}.sig`;

/** A signed image with an SBOM (signed too) and a Notation signature, in a repository of its own. */
async function signedImage() {
  const service = makeService({ registries: localRegistries(source, host) });
  const repository = uniqueRepository('signed/app');
  const staged = await runCopy(
    service,
    { source: `${source}/ferry-test/multiarch:v1`, target: `${host}/${repository}:1.0.0` },
    'application/json',
  );
  expect(staged.status).toBe(200);
  await pushSignatureTag(host, repository, multiarch.digest, [layer('image signature')]);
  const sbom = await pushReferrer(host, repository, subject, SBOM, { mediaType: SBOM, bytes: text('{"spdx":1}') });
  await pushSignatureTag(host, repository, sbom, [layer('sbom signature')]);
  const notation = await pushReferrer(host, repository, subject, NOTATION, {
    mediaType: 'application/jose+json',
    bytes: text('{"payload":"x"}'),
  });
  return { service, repository, sbom, notation };
}

async function digestAt(repository: string, reference: string): Promise<string | null> {
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
  });
  return res.ok ? res.headers.get('docker-content-digest') : null;
}

async function fallbackListed(repository: string, digest: string): Promise<string[]> {
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${digest.replace(':', '-')}`, {
    headers: { accept: 'application/vnd.oci.image.index.v1+json' },
  });
  if (!res.ok) return [];
  return ((await res.json()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
}

async function copy(service: ReturnType<typeof makeService>, from: string, body: Record<string, unknown>) {
  const target = uniqueRepository('mirror/app');
  const run = await runCopy(
    service,
    { source: `${host}/${from}:1.0.0`, target: `${host}/${target}:1.0.0`, ...body },
    'application/json',
  );
  expect(run.status, JSON.stringify(run.final)).toBe(200);
  return { target, result: run.final as { referrers?: { copied: string[]; skipped?: string } } };
}

it('copies signatures, SBOMs and their signatures along when asked, recursively', async () => {
  const { service, repository, sbom, notation } = await signedImage();
  const { target, result } = await copy(service, repository, { referrers: true });
  const imageSignature = await digestAt(repository, cosignTag(multiarch.digest));
  const sbomSignature = await digestAt(repository, cosignTag(sbom));
  expect(await digestAt(target, cosignTag(multiarch.digest))).toBe(imageSignature);
  expect(await digestAt(target, cosignTag(sbom))).toBe(sbomSignature);
  expect((await fallbackListed(target, multiarch.digest)).sort()).toEqual([sbom, notation].sort());
  for (const digest of [sbom, notation]) expect(await digestAt(target, digest)).toBe(digest);
  expect(result.referrers?.copied.sort()).toEqual([imageSignature, sbomSignature, sbom, notation].sort());
});

it('copies none by default, as skopeo copies an image', async () => {
  const { service, repository } = await signedImage();
  const { target, result } = await copy(service, repository, {});
  expect(await digestAt(target, cosignTag(multiarch.digest))).toBeNull();
  expect(await fallbackListed(target, multiarch.digest)).toEqual([]);
  expect(result.referrers).toBeUndefined();
});

it('copies only the artifact types named', async () => {
  const { service, repository, sbom } = await signedImage();
  const { target, result } = await copy(service, repository, { referrers: { artifactTypes: [SBOM] } });
  expect(result.referrers?.copied).toEqual([sbom]);
  expect(await fallbackListed(target, multiarch.digest)).toEqual([sbom]);
  expect(await digestAt(target, cosignTag(multiarch.digest))).toBeNull();
});

it('says why none travel when a platform subset gives the target a digest of its own', async () => {
  const { service, repository } = await signedImage();
  const { target, result } = await copy(service, repository, { referrers: true, platforms: ['linux/amd64'] });
  expect(result.referrers).toEqual({ copied: [], skipped: expect.stringContaining('platform subset') });
  expect(await digestAt(target, cosignTag(multiarch.digest))).toBeNull();
});

it('refuses a referrers selection that names no type', async () => {
  const { service, repository } = await signedImage();
  const res = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: `${host}/${repository}:1.0.0`,
      target: `${host}/${uniqueRepository('x')}:1`,
      referrers: { artifactTypes: [] },
    }),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { code: string }).code).toBe('INVALID_REQUEST');
});
