// A digest source copied into a repository lands untagged, as crane and regctl allow: the target names a
// repository, or restates the same digest. Another digest at the target is refused.

import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!;
const V2S2 = fixture.skopeo.anonymous.v2s2!;

it('source@digest into a repository, or into repository@the-same-digest, lands untagged', async () => {
  const service = makeService({ registries: localRegistries(source, target) });
  for (const suffix of ['', `@${MULTIARCH.digest}`]) {
    const repository = uniqueRepository('untagged');
    const run = await runCopy(
      service,
      { source: `${source}/ferry-test/multiarch@${MULTIARCH.digest}`, target: `${target}/${repository}${suffix}` },
      'application/json',
    );
    expect(run.status, JSON.stringify(run.final)).toBe(200);
    expect(run.final).toMatchObject({ digest: MULTIARCH.digest, tags: [] });
    expect((await judge(fixture.judge, 'raw', `${target}/${repository}@${MULTIARCH.digest}`)).raw).toBe(MULTIARCH.raw);
    expect((await judge(fixture.judge, 'list-tags', `${target}/${repository}`)).tags ?? []).toEqual([]);
  }
  const other = await runCopy(
    service,
    {
      source: `${source}/ferry-test/multiarch@${MULTIARCH.digest}`,
      target: `${target}/${uniqueRepository('untagged')}@${V2S2.digest}`,
    },
    'application/json',
  );
  expect(other.status).toBe(400);
});
