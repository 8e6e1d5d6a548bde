// The shape tests on other registry implementations: every test image (indexes, a nested index, Docker v2s2,
// an empty layer, a large layer, an attested index) copied from distribution 3.x and from go-containerregistry's
// registry into distribution 2.8, and from distribution 2.8 into each of them, arrives byte-exact; skopeo pulls
// it back and crane validates it (every blob read and digested), or, where crane cannot validate a shape,
// computes the same digest.

import { describe, expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';
import type { OtherImplementation } from '../support/fixture.js';

const fixture = inject('fixture');
const distribution = fixture.registries.anonymous.host;
const distributionTarget = fixture.targets.anonymous.host;

// Shapes crane validate does not take whatever a copy does (it validates images and indexes of images).
const CRANE_CANNOT_VALIDATE = new Set(['nested', 'attested']);

async function judged(reference: string, name: string, digest: string) {
  const pulled = await judge(fixture.judge, 'copy-all', reference);
  expect(pulled.ok, `skopeo: ${pulled.error}`).toBe(true);
  if (CRANE_CANNOT_VALIDATE.has(name)) {
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
