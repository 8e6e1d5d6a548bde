// Promotions between registry implementations: an image with an SBOM referrer is staged on one and promoted
// into another with copyReferrers. The image arrives byte-exact (crane validates it), and oras finds the SBOM
// and the promotion record under it at the target: through the referrers API (go-containerregistry) or the
// tag fallback (distribution 2.8 and 3.x).

import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { localRegistries } from '../support/configs.js';
import { makeService } from '../support/service.js';
import type { Implementation } from '../support/registries.js';

const fixture = inject('fixture');
const referred = fixture.shapes.find((s) => s.name === 'referred')!;
const hosts: Record<Implementation, string> = {
  'distribution-2.8': fixture.targets.anonymous.host,
  'distribution-3': fixture.implementations['distribution-3'].host,
  'go-containerregistry': fixture.implementations['go-containerregistry'].host,
};
// Where the shape was pushed (distribution 2.8: the source registry; staging and prod use its target).
const origins: Record<Implementation, string> = { ...hosts, 'distribution-2.8': fixture.registries.anonymous.host };
const PROMOTION_RECORD = 'application/vnd.ferry.promotion.v1+json';

it.each([
  ['go-containerregistry', 'distribution-2.8'],
  ['distribution-2.8', 'go-containerregistry'],
  ['distribution-3', 'go-containerregistry'],
  ['go-containerregistry', 'distribution-3'],
] as [Implementation, Implementation][])(
  'from %s into %s: the image byte-exact, its SBOM and the promotion record found by oras',
  async (from, into) => {
    const staging = uniqueRepository('staging/shape');
    const prod = uniqueRepository('prod/shape');
    const service = makeService({
      registries: localRegistries(...new Set([hosts[from], hosts[into], origins[from]])),
      promotion: {
        rules: [
          {
            name: 'release',
            source: { repository: `${hosts[from]}/staging/**`, tags: { semver: '>=1.0.0' } },
            targets: [{ repository: `${hosts[into]}/${prod}`, tags: ['{tag}'] }],
            copyReferrers: true,
            records: 'always', // found through the tag fallback where there is no referrers API
          },
        ],
      },
    });
    // Staged by Ferry's own copies: the image under 1.0.0, then its SBOM by digest, listed under it.
    const origin = origins[from];
    for (const [source, target] of [
      [`${origin}/${referred.repository}:v1`, `${hosts[from]}/${staging}:1.0.0`],
      [`${origin}/${referred.repository}@${referred.referrer!.digest}`, `${hosts[from]}/${staging}`],
    ]) {
      const staged = await runCopy(service, { source, target }, 'application/json');
      expect(staged.status, JSON.stringify(staged.final)).toBe(200);
    }

    const res = await service.app.request('/v1/promote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${hosts[from]}/${staging}:1.0.0`, rule: 'release', dryRun: false }),
    });
    expect(res.status, await res.clone().text()).toBe(200);

    const promoted = `${hosts[into]}/${prod}:1.0.0`;
    expect((await judge(fixture.judge, 'raw', promoted)).raw).toBe(referred.raw);
    const validated = await judge(fixture.judge, 'crane-validate', promoted);
    expect(validated.ok, validated.error).toBe(true);
    const spec = into === 'go-containerregistry' ? undefined : 'v1.1-referrers-tag';
    const found = await judge(
      fixture.judge,
      'oras-discover',
      `${hosts[into]}/${prod}@${referred.digest}`,
      undefined,
      spec,
    );
    expect(
      found.referrers?.map((r) => r.digest),
      found.error,
    ).toContain(referred.referrer!.digest);
    expect(found.referrers).toHaveLength(2);
    // go-containerregistry's API types a referrer by its config's media type; the fallback keeps the manifest's.
    if (spec)
      expect(found.referrers?.map((r) => r.artifactType).sort()).toEqual(
        [referred.referrer!.artifactType, PROMOTION_RECORD].sort(),
      );
  },
);
