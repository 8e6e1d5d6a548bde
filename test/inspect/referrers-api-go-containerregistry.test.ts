// Referrers on a registry that answers the OCI 1.1 referrers API (go-containerregistry's), beside distribution
// 2.8's tag fallback. That registry reports each referrer's config media type as its artifactType (even when the
// manifest has one of its own) and ignores the artifactType filter: Ferry groups referrers by what their own
// manifests say, and a promotion carries them between the API and the fallback both ways.

import { expect, inject, it } from 'vitest';
import { judge, uniqueRepository } from '../support/copying.js';
import { pushReferrer } from '../support/cosign-signing.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const ggcr = fixture.implementations['go-containerregistry'].host;
const distribution = fixture.targets.anonymous.host;
const view = fixture.skopeo.anonymous['release-a']!;
const subject = {
  digest: view.digest,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  size: Buffer.from(view.raw, 'base64').byteLength,
};
const SBOM = 'application/spdx+json';
const NOTATION = 'application/vnd.cncf.notary.signature';
const json = (text: string) => ({ mediaType: 'application/json', bytes: new TextEncoder().encode(text) });

function service() {
  return makeService({
    registries: localRegistries(ggcr, distribution, fixture.registries.anonymous.host),
    promotion: {
      rules: [
        {
          name: 'across',
          source: { repository: `${ggcr}/api-staging/**`, tags: {} },
          targets: [{ repository: `${distribution}/{repository}`, tags: ['{tag}'] }],
          copyReferrers: true,
        },
        {
          name: 'back',
          source: { repository: `${distribution}/fallback-staging/**`, tags: {} },
          targets: [{ repository: `${ggcr}/{repository}`, tags: ['{tag}'] }],
          copyReferrers: true,
        },
      ],
    },
  });
}

async function stage(s: ReturnType<typeof service>, target: string) {
  const copied = await s.app.request('http://localhost/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${fixture.registries.anonymous.host}/ferry-test/release-a:v1`, target }),
  });
  expect(copied.status, await copied.clone().text()).toBe(200);
}

async function rawReferrers(host: string, repository: string) {
  const res = await fetch(`http://${host}/v2/${repository}/referrers/${view.digest}`);
  return { status: res.status, body: (await res.json()) as { manifests: { digest: string; artifactType?: string }[] } };
}

it('the image page groups referrers by their own manifests, not by the registry’s artifactType', async () => {
  const s = service();
  const repository = uniqueRepository('api-staging/app');
  await stage(s, `${ggcr}/${repository}:v1`);
  const sbom = await pushReferrer(ggcr, repository, subject, SBOM, json('{"spdxVersion":"SPDX-2.3"}'), {
    fallback: false,
  });
  const signature = await pushReferrer(ggcr, repository, subject, NOTATION, json('{}'), { fallback: false });
  // The registry's own answer: both listed, each typed by its config (the empty descriptor's type).
  const raw = await rawReferrers(ggcr, repository);
  expect(raw.status).toBe(200);
  expect(raw.body.manifests.map((m) => [m.digest, m.artifactType]).sort()).toEqual(
    [
      [sbom, 'application/vnd.oci.empty.v1+json'],
      [signature, 'application/vnd.oci.empty.v1+json'],
    ].sort(),
  );
  const page = await s.app.request(`http://localhost/console/image/${ggcr}/${repository}:v1`);
  const html = await page.text();
  expect(page.status, html).toBe(200);
  const groups = Object.fromEntries(
    [...html.matchAll(/<table class="referrers" data-kind="(\w+)">([\s\S]*?)<\/table>/g)].map((t) => [
      t[1],
      [...t[2]!.matchAll(/<a class="referrer"[^>]*>(sha256:[0-9a-f]{64})</g)].map((m) => m[1]),
    ]),
  );
  expect(groups).toEqual({ unverified: [signature], sboms: [sbom] });
});

it('a promotion carries referrers from the API into the tag fallback, and from the fallback into the API', async () => {
  const s = service();
  const staging = uniqueRepository('api-staging/app');
  await stage(s, `${ggcr}/${staging}:v1`);
  const sbom = await pushReferrer(ggcr, staging, subject, SBOM, json('{"spdxVersion":"SPDX-2.3"}'), {
    fallback: false,
  });
  const across = await s.app.request('/v1/promote', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${ggcr}/${staging}:v1`, rule: 'across', dryRun: false }),
  });
  expect(across.status, await across.clone().text()).toBe(200);
  const promotedTo = ((await across.json()) as { plan: { steps: { target: string }[] } }).plan.steps[0]!.target;
  const prod = promotedTo.slice(distribution.length + 1);
  const fallback = await fetch(`http://${distribution}/v2/${prod}/manifests/${view.digest.replace(':', '-')}`, {
    headers: { accept: 'application/vnd.oci.image.index.v1+json' },
  });
  expect(fallback.status).toBe(200);
  const indexed = ((await fallback.json()) as { manifests: { digest: string; artifactType?: string }[] }).manifests;
  expect(indexed.find((m) => m.digest === sbom)?.artifactType).toBe(SBOM);
  // oras finds it there the way it finds referrers on a registry without the API.
  const discovered = await judge(
    fixture.judge,
    'oras-discover',
    `${distribution}/${prod}@${view.digest}`,
    undefined,
    'v1.1-referrers-tag',
  );
  expect(discovered.referrers, discovered.error).toContainEqual({ digest: sbom, artifactType: SBOM });

  // Back: from distribution 2.8's fallback into the registry with the API, which lists them by itself.
  const back = uniqueRepository('fallback-staging/app');
  await stage(s, `${distribution}/${back}:v1`);
  const signature = await pushReferrer(distribution, back, subject, NOTATION, json('{}'));
  const promoted = await s.app.request('/v1/promote', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${distribution}/${back}:v1`, rule: 'back', dryRun: false }),
  });
  expect(promoted.status, await promoted.clone().text()).toBe(200);
  const backTo = ((await promoted.json()) as { plan: { steps: { target: string }[] } }).plan.steps[0]!.target;
  const backProd = backTo.slice(ggcr.length + 1);
  const listed = await rawReferrers(ggcr, backProd);
  expect(listed.body.manifests.map((m) => m.digest)).toContain(signature);
  const found = await judge(
    fixture.judge,
    'oras-discover',
    `${ggcr}/${backProd}@${view.digest}`,
    undefined,
    'v1.1-referrers-api',
  );
  expect(
    found.referrers?.map((r) => r.digest),
    found.error,
  ).toContain(signature);
  // No fallback tag is written where the API answers.
  const tag = await fetch(`http://${ggcr}/v2/${backProd}/manifests/${view.digest.replace(':', '-')}`, {
    method: 'HEAD',
  });
  expect(tag.status).toBe(404);
});
