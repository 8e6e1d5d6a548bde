// Security review B2: a tag listed by a hostile registry went into request paths unchecked, and a tag
// "../../../team-b/app/manifests/latest" made Ferry PUT into another repository. Tags and digests are now
// checked where every path is built, and a many-tags copy skips an invalid tag and reports it.

import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const target = fixture.targets.anonymous.host;

it('B2: a listed tag with ../ is skipped and reported; nothing is sent to the repository it points at', async () => {
  const victim = uniqueRepository('b2/victim');
  const prod = uniqueRepository('b2/prod');
  const hostileTag = `../../../${victim}/manifests/latest`;
  const seed = makeService({
    registries: localRegistries(fixture.registries.anonymous.host, target),
  });
  expect(
    (
      await runCopy(
        seed,
        {
          source: `${fixture.registries.anonymous.host}/ferry-test/multiarch:v1`,
          target: `${target}/${victim}:latest`,
        },
        'application/json',
      )
    ).status,
  ).toBe(200);
  const before = (await judge(fixture.judge, 'raw', `${target}/${victim}:latest`)).raw;

  const service = makeService({
    registries: {
      [fixture.faultProxy]: {
        insecure: true,
        headers: { 'x-ferry-fault': 'hostile-tags', 'x-ferry-fault-arg': hostileTag },
      },
      [target]: { insecure: true },
    },
  });
  const run = await runCopy(
    service,
    { source: `${fixture.faultProxy}/ferry-test/v2s2`, target: `${target}/${prod}`, tags: 'all' },
    'application/json',
  );
  expect(run.status, JSON.stringify(run.final)).toBe(200);
  expect(run.final.results.map((r: { tags: string[] }) => r.tags)).toEqual([['v1']]);
  expect(run.final.skipped).toEqual([{ tag: hostileTag, reason: expect.stringContaining('not a valid tag') }]);
  expect(
    service.requests.filter((r) => new URL(r.url).pathname.includes(victim)).map((r) => `${r.method} ${r.url}`),
  ).toEqual([]);
  expect((await judge(fixture.judge, 'raw', `${target}/${victim}:latest`)).raw).toBe(before);
});
