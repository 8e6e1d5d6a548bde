// 100 copies at once of overlapping images (shared layers, the same blobs under many tags) into one repository
// of a real registry, chunked uploads on: every one ends done and every target tag names its source's digest.
// A review saw 4 of 100 end in a 502 (DIGEST_INVALID from the registry): copies of the same blob into the
// same repository found each other's recorded upload session and resumed it, two writers in one session.

import { expect, inject, it } from 'vitest';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const COPIES = 100;
const MiB = 1024 * 1024;

it(`${COPIES} concurrent copies of overlapping images into one repository all end done, every target verified`, async () => {
  const source = fixture.registries.anonymous.host;
  const target = fixture.targets.anonymous.host;
  const service = makeService({
    registries: {
      [source]: { insecure: true },
      [target]: { insecure: true, upload: { mode: 'chunked', chunkSize: MiB } },
    },
  });
  const repository = uniqueRepository('concurrent/app');
  const images = ['large', 'release-a', 'release-b', 'multiarch'];
  const runs = await Promise.all(
    Array.from({ length: COPIES }, (_, i) =>
      runCopy(
        service,
        { source: `${source}/ferry-test/${images[i % images.length]}:v1`, target: `${target}/${repository}:t${i}` },
        'application/json',
      ),
    ),
  );
  const failed = runs.map((r, i) => [i, r.status, r.final] as const).filter(([, status]) => status !== 200);
  const why = failed.map(([i, status, body]) => `t${i}: ${status} ${(body as { detail?: string })?.detail ?? ''}`);
  expect(failed.length, why.slice(0, 5).join('\n')).toBe(0);
  for (let i = 0; i < COPIES; i++) {
    const head = await fetch(`http://${target}/v2/${repository}/manifests/t${i}`, {
      method: 'HEAD',
      headers: {
        accept: 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json',
      },
    });
    expect([i, head.headers.get('docker-content-digest')]).toEqual([
      i,
      fixture.skopeo.anonymous[images[i % images.length]!]!.digest,
    ]);
  }
}, 240_000);
