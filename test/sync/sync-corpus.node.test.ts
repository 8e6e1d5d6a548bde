// A sync set over five repositories of 34 tags each (images, indexes, a tagged artifact; cosign signatures and
// SBOM referrers on some, a Notation signature on one) with a regex, an exclude, a version range and the
// newest N. The tags at the target are what the selection takes, worked out here another way; skopeo lists
// them, crane reads their digests, and oras finds at the target the referrers the source has (the scenarios
// of skopeo #1994 and #2227, where signatures stayed behind).

import { expect, inject, it } from 'vitest';
import { pushBlob, pushManifest, pushReferrer, pushSignatureTag, type Subject } from '../support/cosign-signing.js';
import { localRegistries } from '../support/configs.js';
import { judge, runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { pushSmallImage } from '../support/small-images.js';

const fixture = inject('fixture');
const source = fixture.emptyRegistry;
const target = fixture.targets.anonymous.host;
const multiarch = fixture.skopeo.anonymous.multiarch!;
const SBOM = 'application/spdx+json';
const NOTATION = 'application/vnd.cncf.notary.signature';
const text = (s: string) => new TextEncoder().encode(s);

// 1.0.0 … 3.9.0, release candidates, a "v" spelling, floating tags: 34 in all.
const VERSIONS = [1, 2, 3].flatMap((major) => Array.from({ length: 10 }, (_, minor) => `${major}.${minor}.0`));
const TAGS = [...VERSIONS, '4.0.0-rc.1', 'v4.0.0', 'latest', 'edge'];
const SELECTION = { regex: '^v?[0-9]', exclude: '-rc', semver: '>=1.5.0', newest: { count: 12 } };

/** SELECTION worked out by hand: digits first, no -rc, 1.5.0 or later, the twelve highest versions. */
function expectedTags(tags: string[]): string[] {
  const version = (t: string) => /^v?(\d+)\.(\d+)\.(\d+)$/.exec(t)?.slice(1).map(Number);
  const key = (v: number[]) => v[0]! * 1e6 + v[1]! * 1e3 + v[2]!;
  return tags
    .filter((t) => /^v?[0-9]/.test(t) && !t.includes('-rc'))
    .flatMap((t) => (version(t) ? [{ t, k: key(version(t)!) }] : []))
    .filter(({ k }) => k >= key([1, 5, 0]))
    .sort((a, b) => b.k - a.k)
    .slice(0, 12)
    .map(({ t }) => t)
    .sort();
}

/** A tagged OCI artifact as `helm push` writes one: a chart config and one chart layer, no subject. */
async function pushChart(repository: string, tag: string): Promise<string> {
  const config = text(`{"name":"chart","version":"${tag}"}`);
  const chart = text(`chart ${repository} ${tag}`);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.cncf.helm.config.v1+json',
      digest: await pushBlob(source, repository, config),
      size: config.byteLength,
    },
    layers: [
      {
        mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
        digest: await pushBlob(source, repository, chart),
        size: chart.byteLength,
      },
    ],
  };
  return (await pushManifest(source, repository, tag, manifest)).digest;
}

it('mirrors five repositories as the selection says, byte for byte, their referrers along', async () => {
  const service = makeService(
    { registries: localRegistries(fixture.registries.anonymous.host, source, target) },
    {
      jobs: true,
    },
  );
  const repositories = Array.from({ length: 5 }, (_, i) => uniqueRepository(`corpus/r${i}`));
  const digests: Record<string, Record<string, string>> = {};
  const signed: { repository: string; subject: Subject }[] = [];
  for (const [i, repository] of repositories.entries()) {
    digests[repository] = {};
    for (const tag of TAGS.filter((t) => t !== '3.9.0' && !(i === 4 && t === '3.8.0')))
      digests[repository]![tag] = (await pushSmallImage(source, repository, tag)).digest;
    // In the last repository, 3.8.0 is an artifact of its own (a Helm chart's layout), no image and no referrer.
    if (i === 4) digests[repository]!['3.8.0'] = await pushChart(repository, '3.8.0');
    // The newest version is a multi-platform index.
    const staged = await runCopy(
      service,
      {
        source: `${fixture.registries.anonymous.host}/ferry-test/multiarch:v1`,
        target: `${source}/${repository}:3.9.0`,
      },
      'application/json',
    );
    expect(staged.status).toBe(200);
    digests[repository]!['3.9.0'] = multiarch.digest;
    // The first three repositories sign their newest single image and attach a signed SBOM to it.
    if (i < 3) {
      const digest = digests[repository]!['v4.0.0']!;
      const head = await fetch(`http://${source}/v2/${repository}/manifests/v4.0.0`, { method: 'HEAD' });
      const subject = {
        digest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: Number(head.headers.get('content-length')),
      };
      await pushSignatureTag(source, repository, digest, [{ payload: text(`signed ${repository}`), annotations: {} }]);
      const sbom = await pushReferrer(source, repository, subject, SBOM, {
        mediaType: SBOM,
        bytes: text(`{"r":${i}}`),
      });
      await pushSignatureTag(source, repository, sbom, [{ payload: text('sbom signed'), annotations: {} }]);
      if (i === 0)
        await pushReferrer(source, repository, subject, NOTATION, {
          mediaType: 'application/jose+json',
          bytes: text('{}'),
        });
      signed.push({ repository, subject });
    }
  }
  const mirror = uniqueRepository('corpus-mirror');
  const put = await service.app.request('/v1/syncs/corpus', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      sources: [{ registry: source, repositories }],
      target: { registry: target, path: `${mirror}/{repository}` },
      tags: SELECTION,
    }),
  });
  expect(put.status, await put.clone().text()).toBe(200);
  const started = await service.app.request('/v1/syncs/corpus/runs', { method: 'POST' });
  expect(started.status).toBe(202);
  const { run } = (await started.json()) as { run: { jobs: string[] } };
  for (const id of run.jobs) expect((await waitForJob(service, id, {}, 120)).state).toBe('done');

  const expected = expectedTags(TAGS);
  expect(expected).toContain('3.9.0');
  expect(expected).toContain('v4.0.0');
  expect(expected).toContain('3.8.0');
  for (const repository of repositories) {
    const at = `${target}/${mirror}/${repository}`;
    const listed = (await judge(fixture.judge, 'list-tags', at)).tags ?? [];
    expect(listed.filter((t) => !t.startsWith('sha256-')).sort(), repository).toEqual(expected);
    for (const tag of expected)
      expect((await judge(fixture.judge, 'crane-digest', `${at}:${tag}`)).digest, `${at}:${tag}`).toBe(
        digests[repository]![tag],
      );
  }
  expect((await judge(fixture.judge, 'raw', `${target}/${mirror}/${repositories[0]}:3.9.0`)).raw).toBe(multiarch.raw);
  const chart = (host: string, name: string) => judge(fixture.judge, 'raw', `${host}/${name}:3.8.0`);
  const chartThere = (await chart(source, repositories[4]!)).raw;
  expect(chartThere).toBeTruthy();
  expect((await chart(target, `${mirror}/${repositories[4]}`)).raw).toBe(chartThere);
  // The referrers oras finds at the target are those it finds at the source (distribution 2.8: the tag fallback).
  for (const { repository, subject } of signed) {
    const discover = (host: string, name: string) =>
      judge(fixture.judge, 'oras-discover', `${host}/${name}@${subject.digest}`, undefined, 'v1.1-referrers-tag');
    const there = await discover(source, repository);
    const here = await discover(target, `${mirror}/${repository}`);
    expect(there.referrers?.length, there.error).toBeGreaterThan(0);
    expect(here.referrers?.map((r) => `${r.artifactType} ${r.digest}`).sort(), here.error).toEqual(
      there.referrers?.map((r) => `${r.artifactType} ${r.digest}`).sort(),
    );
    const cosign = `${subject.digest.replace(':', '-')}.sig`;
    expect((await judge(fixture.judge, 'crane-digest', `${target}/${mirror}/${repository}:${cosign}`)).digest).toBe(
      (await judge(fixture.judge, 'crane-digest', `${source}/${repository}:${cosign}`)).digest,
    );
  }
});
