// User-experience review v2, friction 8: two promotions left a production repository on distribution 2.8
// with six tags, three of them Ferry's (`sha256-…` fallback indexes of promotion records, and a
// `latest-backup-…`), records could not be turned off and backups were never cleaned up. Now a record goes
// where the registry has the referrers API, and through the tag fallback only when a rule asks
// (`records: "always"`); backup tags are kept by count and age (`backups: {keep, maxAgeDays}`), and the
// promotion's outcome lists the backups made and removed.

import { expect, inject, it } from 'vitest';
import { judge, uniqueRepository } from '../support/copying.js';
import { localRegistries } from '../support/configs.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;
const ggcr = fixture.implementations['go-containerregistry'].host;
const IMAGES = ['release-a', 'release-b', 'multiarch', 'v2s2'];

function promoter(target: string, extra: Record<string, unknown>, from = source) {
  const service = makeService({
    registries: { ...localRegistries(source, registry), [ggcr]: { insecure: true } },
    promotion: {
      rules: [
        {
          name: 'ship',
          source: { repository: `${from}/ferry-test/*`, tags: { exact: 'v1' } },
          targets: [{ repository: target, tags: ['latest'] }],
          mutable: true,
          ...extra,
        },
      ],
    },
  });
  return async (image: string) => {
    const res = await service.app.request('/v1/promote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${from}/ferry-test/${image}:v1`, rule: 'ship', dryRun: false }),
    });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body;
  };
}
const tagsOf = async (repository: string) => ((await judge(fixture.judge, 'list-tags', repository)).tags ?? []).sort();

it('on a registry without the referrers API, promotions leave no sha256- tag unless the rule asks', async () => {
  const prod = `${registry}/${uniqueRepository('clean/prod')}`;
  const promote = promoter(prod, {});
  await promote('release-a');
  await promote('release-b');
  const tags = await tagsOf(prod);
  expect(tags.filter((t) => t.startsWith('sha256-'))).toEqual([]);
  expect(tags.filter((t) => !t.includes('-backup-'))).toEqual(['latest']);

  const recorded = `${registry}/${uniqueRepository('clean/recorded')}`;
  await promoter(recorded, { records: 'always' })('release-a');
  expect((await tagsOf(recorded)).filter((t) => t.startsWith('sha256-'))).toHaveLength(1);
});

it('on a registry with the referrers API, the record is there as a referrer, with no tag', async () => {
  const prod = `${ggcr}/${uniqueRepository('clean/prod-api')}`;
  const done = await promoter(prod, {}, ggcr)('release-a');
  const digest = done.results[0].digest;
  const discovered = await judge(fixture.judge, 'oras-discover', `${prod}@${digest}`, undefined, 'v1.1-referrers-api');
  // (go-containerregistry's registry lists it by its config's media type: the manifest itself says what it is.)
  expect(discovered.referrers, discovered.error).toHaveLength(1);
  const listed = await judge(fixture.judge, 'raw', `${prod}@${discovered.referrers![0]!.digest}`);
  const record = JSON.parse(atob(listed.raw!));
  expect([record.artifactType, record.subject.digest]).toEqual(['application/vnd.ferry.promotion.v1+json', digest]);
  expect(await tagsOf(prod)).toEqual(['latest']);
});

it('backup tags are kept by count, the oldest removed, and the outcome lists both', async () => {
  const prod = `${registry}/${uniqueRepository('clean/backups')}`;
  const promote = promoter(prod, { backups: { keep: 2 } });
  const outcomes = [];
  for (const image of IMAGES) outcomes.push(await promote(image));
  const backups = (await tagsOf(prod)).filter((t) => t.includes('-backup-'));
  expect(backups).toHaveLength(2);
  // Each move made one; the fourth promotion's removed the first.
  const made = outcomes.slice(1).map((o) => o.backups.created);
  expect(made.every((m) => m.length === 1 && /^latest-backup-\d{17}-[0-9a-f]{12}$/.test(m[0]))).toBe(true);
  expect(outcomes[3].backups.removed).toEqual(made[0]);
  expect(backups).toEqual([made[1]![0], made[2]![0]].sort());
});

it('backup tags older than maxAgeDays are removed at the next promotion', async () => {
  const prod = `${registry}/${uniqueRepository('clean/aged')}`;
  const promote = promoter(prod, { backups: { maxAgeDays: 0 } });
  await promote('release-a');
  const second = await promote('release-b');
  // Age 0: a backup lives until the next promotion of the tag, which removes it.
  const third = await promote('multiarch');
  expect(third.backups.removed).toEqual(second.backups.created);
  expect((await tagsOf(prod)).filter((t) => t.includes('-backup-'))).toEqual(third.backups.created);
});
