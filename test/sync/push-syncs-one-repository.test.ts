// A push notification for one source repository of a sync set syncs that repository alone: the other
// repositories of the set are not even listed. A pushed tag the set would never select starts nothing.

import { expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { pushSmallImage } from '../support/small-images.js';

const fixture = inject('fixture');
const source = fixture.emptyRegistry;
const target = fixture.targets.anonymous.host;
const SECRET = 'distribution-hook-secret-5d1f';

async function tagsAt(repository: string): Promise<string[]> {
  const res = await fetch(`http://${target}/v2/${repository}/tags/list`);
  return res.ok ? (((await res.json()) as { tags: string[] | null }).tags ?? []).sort() : [];
}

it('a pushed tag syncs its repository only; a tag the set never selects starts no run', async () => {
  const [pushed, other] = [uniqueRepository('pushed/app'), uniqueRepository('other/app')];
  const digests: string[] = [];
  for (const repository of [pushed, other]) digests.push((await pushSmallImage(source, repository, '1.0.0')).digest);
  const mirror = uniqueRepository('push-mirror');
  const service = makeService(
    {
      registries: localRegistries(source, target),
      webhooks: { receivers: { src: { format: 'distribution', registry: source, secret: SECRET } } },
      syncs: [
        {
          name: 'on-push',
          sources: [{ registry: source, repositories: [pushed, other] }],
          target: { registry: target, path: `${mirror}/{repository}` },
          tags: { semver: '>=1.0.0' },
        },
      ],
    },
    { jobs: true },
  );
  const deliver = async (tag: string) => {
    const res = await service.app.request('/v1/webhooks/src', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${SECRET}`,
        'content-type': 'application/vnd.docker.distribution.events.v1+json',
      },
      body: JSON.stringify({
        events: [
          {
            id: `event-${crypto.randomUUID()}`,
            action: 'push',
            target: {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: digests[0],
              repository: pushed,
              tag,
            },
          },
        ],
      }),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { syncs: string[] };
  };

  expect((await deliver('latest')).syncs).toEqual([]);
  const before = service.requests.length;
  const outcome = await deliver('1.0.0');
  expect(outcome.syncs).toHaveLength(1);
  const runs = (await (await service.app.request('/v1/syncs/on-push/runs')).json()) as {
    runs: { id: string; trigger: string; jobs: string[] }[];
  };
  const run = runs.runs.find((r) => r.id === outcome.syncs[0])!;
  expect(run.trigger).toBe('webhook');
  for (const id of run.jobs) expect((await waitForJob(service, id)).state).toBe('done');
  expect(await tagsAt(`${mirror}/${pushed}`)).toEqual(['1.0.0']);
  expect(await tagsAt(`${mirror}/${other}`)).toEqual([]);
  const asked = service.requests.slice(before).map((r) => new URL(r.url).pathname);
  expect(asked.some((p) => p.includes(`/${other}/`))).toBe(false);
});
