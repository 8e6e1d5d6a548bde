// Security review v2, weak item 42: a caller could hold any number of live job streams open (300 held
// 20 MB, each for 5 minutes). One caller now holds at most 8 at once; the next is told 429.

import { expect, inject, it } from 'vitest';
import { localRegistries } from '../../support/configs.js';
import { uniqueRepository } from '../../support/copying.js';
import { makeService } from '../../support/service.js';

const fixture = inject('fixture');
const target = fixture.targets.anonymous.host;
const proxy = fixture.faultProxy;

it('a caller holds at most 8 live job streams at once', async () => {
  const service = makeService(
    {
      registries: {
        ...localRegistries(target),
        [proxy]: {
          insecure: true,
          headers: { 'x-ferry-fault': 'stall-blob-get', 'x-ferry-fault-id': crypto.randomUUID() },
        },
      },
    },
    { jobs: true },
  );
  const big = fixture.bulk.big;
  const started = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: `${proxy}/${big.repository}:${big.tag}`,
      target: `${target}/${uniqueRepository('streams')}:v1`,
      wait: false,
    }),
  });
  const { id } = (await started.json()) as { id: string };
  const streams: Response[] = [];
  for (let i = 0; i < 9; i++) streams.push(await service.app.request(`http://localhost/console/jobs/${id}/events`));
  expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
  for (const s of streams) await s.body?.cancel().catch(() => undefined);
  await service.app.request(`/v1/jobs/${id}`, { method: 'DELETE' });
});
