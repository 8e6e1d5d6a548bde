// Security review v2, weak item 31: the image page lists as referrers only manifests that name the image as
// their subject (whatever a fallback index claims), and says "Signatures" only for signatures a promotion rule
// the caller may use verified; any other is listed as unverified.

import { expect, inject, it } from 'vitest';
import { uniqueRepository } from '../../support/copying.js';
import {
  addToFallbackIndex,
  makeKey,
  pushBlob,
  pushManifest,
  pushSignatureReferrer,
  pushSignatureTag,
  signatureLayer,
  simpleSigningPayload,
} from '../../support/cosign-signing.js';
import { makeService } from '../../support/service.js';
import { localRegistries } from '../../support/configs.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;

async function referrersOf(service: ReturnType<typeof makeService>, reference: string) {
  const res = await service.app.request(`http://localhost/console/image/${reference}`);
  const html = await res.text();
  expect(res.status, html).toBe(200);
  const section = html.slice(html.indexOf('<section id="referrers">'));
  const tables = [...section.matchAll(/<table class="referrers" data-kind="(\w+)">([\s\S]*?)<\/table>/g)];
  const linked = (table: string) =>
    [...table.matchAll(/<a class="referrer"[^>]*>(sha256:[0-9a-f]{64})</g)].map((m) => m[1]);
  const groups: Record<string, string[]> = Object.fromEntries(tables.map((t) => [t[1], linked(t[2]!)]));
  return { html: section, groups };
}

it('a fallback index naming the image itself or another image’s referrer lists neither; an unverified .sig is not a signature', async () => {
  const repository = uniqueRepository('ferry-test/true-referrers');
  const setup = makeService({ registries: localRegistries(host) });
  for (const [from, tag] of [
    ['release-a:v1', 'v1'],
    ['v2s2:v1', 'other'],
  ] as const) {
    const copied = await setup.app.request('http://localhost/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${host}/ferry-test/${from}`, target: `${host}/${repository}:${tag}` }),
    });
    expect(copied.status, await copied.clone().text()).toBe(200);
  }
  const image = fixture.skopeo.anonymous['release-a']!;
  const other = fixture.skopeo.anonymous.v2s2!;
  const subjectOf = (view: typeof image, mediaType: string) => ({
    digest: view.digest,
    mediaType,
    size: Buffer.from(view.raw, 'base64').byteLength,
  });
  const subject = subjectOf(image, 'application/vnd.oci.image.index.v1+json');

  // The accepted key signs the .sig tag; another key signs a cosign referrer that really names the image.
  const accepted = await makeKey('P-256');
  const stranger = await makeKey('P-256');
  const payload = simpleSigningPayload(`${host}/${repository}`, image.digest);
  await pushSignatureTag(host, repository, image.digest, [await signatureLayer(accepted, payload)]);
  await pushSignatureReferrer(host, repository, subject, [await signatureLayer(stranger, payload)]);
  const fallback = image.digest.replace(':', '-');
  const listed = (await (
    await fetch(`http://${host}/v2/${repository}/manifests/${fallback}`, {
      headers: { accept: 'application/vnd.oci.image.index.v1+json' },
    })
  ).json()) as { manifests: { digest: string }[] };
  const trueReferrer = listed.manifests[0]!.digest;
  // Whoever may push to the repository can write the fallback index: the image itself, and a signature
  // whose subject is another image, are added to it.
  const artifactType = 'application/vnd.dev.cosign.artifact.sig.v1+json';
  await addToFallbackIndex(host, repository, image.digest, { digest: image.digest, size: subject.size, artifactType });
  const elsewhere = await pushManifest(host, repository, undefined, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType,
    config: {
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: await pushBlob(host, repository, new TextEncoder().encode('{}')),
      size: 2,
    },
    layers: [],
    subject: subjectOf(other, other.mediaType),
  });
  await addToFallbackIndex(host, repository, image.digest, { ...elsewhere, artifactType });

  // No rule verifies anything for this repository: both true signatures are listed, as unverified.
  const plain = makeService({ registries: localRegistries(host) });
  const seen = await referrersOf(plain, `${host}/${repository}:v1`);
  expect(seen.groups.signatures).toBeUndefined();
  const sigTag = await fetch(`http://${host}/v2/${repository}/manifests/${fallback}.sig`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const signedTag = sigTag.headers.get('docker-content-digest')!;
  expect(seen.groups.unverified?.sort()).toEqual([trueReferrer, signedTag].sort());
  expect(Object.values(seen.groups).flat()).not.toContain(elsewhere.digest);
  expect(
    Object.values(seen)
      .flat()
      .filter((d) => d === image.digest),
  ).toEqual([]);

  // A rule the caller may use accepts the key of the .sig tag: that one is a signature, the other is not.
  const ruled = makeService({
    registries: localRegistries(host),
    promotion: {
      rules: [
        {
          name: 'verified-release',
          source: { repository: `${host}/${repository}`, tags: {} },
          targets: [{ repository: `${host}/${repository}-prod`, tags: ['{tag}'] }],
          verify: { signers: [{ kind: 'cosign-key', publicKey: accepted.pem }] },
        },
      ],
    },
  });
  const verified = await referrersOf(ruled, `${host}/${repository}:v1`);
  expect(verified.groups.signatures).toEqual([signedTag]);
  expect(verified.html).toContain('rule verified-release: sha256:');
  expect(verified.groups.unverified).toEqual([trueReferrer]);
});
