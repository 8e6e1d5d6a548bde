// The shape tests on every registry implementation: every test image (indexes, a nested index, Docker v2s2,
// an empty layer, a large layer, an attested index) copied from distribution 3.x and from go-containerregistry's
// registry into distribution 2.8, and from distribution 2.8 into each of them, arrives byte-exact; skopeo pulls
// it back and crane validates it (every blob read and digested), or, where crane cannot validate a shape,
// computes the same digest. The shapes pushed over the API (a foreign layer, zstd, a standalone artifact, an
// image with a referrer) go the same ways on all three, and a referrer copied by digest is found at the target
// by oras: through the referrers API where the registry has one, through the tag fallback where not.

import { describe, expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';
import type { OtherImplementation } from '../support/fixture.js';
import type { Implementation } from '../support/registries.js';

const fixture = inject('fixture');
const distribution = fixture.registries.anonymous.host;
const distributionTarget = fixture.targets.anonymous.host;

// Shapes crane validate does not take whatever a copy does (it validates images and indexes of images).
const CRANE_CANNOT_VALIDATE = new Set(['nested', 'attested']);

async function judged(
  reference: string,
  name: string,
  digest: string,
  craneValidates = !CRANE_CANNOT_VALIDATE.has(name),
) {
  const pulled = await judge(fixture.judge, 'copy-all', reference);
  expect(pulled.ok, `skopeo: ${pulled.error}`).toBe(true);
  if (!craneValidates) {
    const computed = await judge(fixture.judge, 'crane-digest', reference);
    expect(computed.digest, computed.error).toBe(digest);
  } else {
    const validated = await judge(fixture.judge, 'crane-validate', reference);
    expect(validated.ok, `crane validate: ${validated.error}`).toBe(true);
  }
}

describe.each(Object.keys(fixture.implementations) as OtherImplementation[])('%s', (implementation) => {
  const other = fixture.implementations[implementation].host;
  const service = () => makeService({ registries: localRegistries(distribution, distributionTarget, other) });

  it.each(fixture.images.map((i) => [i.name, i] as const))(
    '%s: byte-exact from it into distribution 2.8 and from distribution 2.8 into it, judged by skopeo and crane',
    async (name, image) => {
      const view = fixture.skopeo.anonymous[name]!;
      const outOf = uniqueRepository(`from-${implementation}/${name}`);
      const from = await runCopy(service(), {
        source: `${other}/${image.repository}:${image.tag}`,
        target: `${distributionTarget}/${outOf}:v1`,
      });
      expect(from.final.type, JSON.stringify(from.final)).toBe('done');
      expect(from.final.result.digest).toBe(view.digest);
      expect((await judge(fixture.judge, 'raw', `${distributionTarget}/${outOf}:v1`)).raw).toBe(view.raw);
      await judged(`${distributionTarget}/${outOf}:v1`, name, view.digest);

      const into = uniqueRepository(`into-${implementation}/${name}`);
      const to = await runCopy(service(), {
        source: `${distribution}/${image.repository}:${image.tag}`,
        target: `${other}/${into}:v1`,
      });
      expect(to.final.type, JSON.stringify(to.final)).toBe('done');
      expect((await judge(fixture.judge, 'raw', `${other}/${into}:v1`)).raw).toBe(view.raw);
      await judged(`${other}/${into}:v1`, name, view.digest);
    },
  );
});

const everyImplementation: Record<Implementation, string> = {
  'distribution-2.8': distribution,
  'distribution-3': fixture.implementations['distribution-3'].host,
  'go-containerregistry': fixture.implementations['go-containerregistry'].host,
};
// oras asks the referrers API unless told that the registry answers only the tag scheme.
const ORAS_SPEC: Record<Implementation, 'v1.1-referrers-tag' | undefined> = {
  'distribution-2.8': 'v1.1-referrers-tag',
  'distribution-3': 'v1.1-referrers-tag',
  'go-containerregistry': undefined,
};

describe.each(Object.keys(everyImplementation) as Implementation[])('shapes on %s', (implementation) => {
  const other = everyImplementation[implementation];
  const service = () => makeService({ registries: localRegistries(distribution, distributionTarget, other) });
  const ways = [
    { from: other, to: distributionTarget, at: 'distribution-2.8' as Implementation, label: 'from it' },
    { from: distribution, to: other, at: implementation, label: 'into it' },
  ];

  it.each(fixture.shapes.map((s) => [s.name, s] as const))(
    '%s: byte-exact from it into distribution 2.8 and from distribution 2.8 into it, judged by skopeo and crane',
    async (_name, shape) => {
      for (const way of ways) {
        const repository = uniqueRepository(`shape-${way.label.replace(' ', '-')}-${implementation}/${shape.name}`);
        const run = await runCopy(service(), {
          source: `${way.from}/${shape.repository}:${shape.tag}`,
          target: `${way.to}/${repository}:v1`,
        });
        expect(run.final.type, JSON.stringify(run.final)).toBe('done');
        expect(run.final.result.digest).toBe(shape.digest);
        const reference = `${way.to}/${repository}:v1`;
        expect((await judge(fixture.judge, 'raw', reference)).raw, way.label).toBe(shape.raw);
        await judged(reference, shape.name, shape.digest, shape.craneValidates);
        if (!shape.referrer) continue;
        // The referrer itself, by digest: the target must list it under its subject, as crane and oras do.
        const referrer = await runCopy(service(), {
          source: `${way.from}/${shape.repository}@${shape.referrer.digest}`,
          target: `${way.to}/${repository}`,
        });
        expect(referrer.final.type, JSON.stringify(referrer.final)).toBe('done');
        const spec = ORAS_SPEC[way.at];
        const found = await judge(fixture.judge, 'oras-discover', reference, undefined, spec);
        expect(
          found.referrers?.map((r) => r.digest),
          `${way.label}: ${found.error}`,
        ).toEqual([shape.referrer.digest]);
        // go-containerregistry's API types a referrer by its config's media type, whatever the manifest says.
        if (spec) expect(found.referrers).toEqual([shape.referrer]);
      }
    },
  );
});
