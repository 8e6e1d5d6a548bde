// A sync set mirrors repositories by their tags (issue 32): the tags at the target are those the selection
// takes (computed here on its own), byte for byte, with their signatures and SBOMs; a warm run asks each
// side about each tag once and reads no blob; prune deletes only what the set wrote, and the dry run shows it.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { pushReferrer, pushSignatureTag } from '../support/cosign-signing.js';
import { pushSmallImage } from '../support/small-images.js';
import { localRegistries } from '../support/configs.js';
import { runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.emptyRegistry;
const target = fixture.targets.anonymous.host;
const SBOM = 'application/spdx+json';
const text = (s: string) => new TextEncoder().encode(s);

const TAGS = ['0.9.0', '1.0.0', '1.1.0', '1.2.0', '1.3.0-rc.1', '2.0.0', 'v2.1.0', 'latest', 'dev-123', '3.0'];
const SELECTION = { regex: '^v?[0-9]', exclude: '-rc', semver: '>=1.0.0', newest: { count: 3 } };
/** What SELECTION takes of TAGS, worked out by hand: digits first, no -rc, 1.0.0 or later, the newest three. */
const SELECTED = ['1.2.0', '2.0.0', 'v2.1.0'];

async function setUp(options: { prune?: boolean } = {}) {
  const service = makeService({ registries: localRegistries(source, target) }, { jobs: true });
  const repositories = [uniqueRepository('sync/a'), uniqueRepository('sync/b')];
  const digests: Record<string, Record<string, string>> = {};
  for (const repository of repositories) {
    digests[repository] = {};
    for (const tag of TAGS) digests[repository]![tag] = (await pushSmallImage(source, repository, tag)).digest;
  }
  // The newest image of the first repository is signed and has an SBOM, itself signed.
  const [first] = repositories as [string];
  const signed = digests[first]!['v2.1.0']!;
  const size = (await fetch(`http://${source}/v2/${first}/manifests/v2.1.0`, { method: 'HEAD' })).headers;
  const subject = {
    digest: signed,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: Number(size.get('content-length')),
  };
  await pushSignatureTag(source, first, signed, [{ payload: text('image signature'), annotations: {} }]);
  const sbom = await pushReferrer(source, first, subject, SBOM, { mediaType: SBOM, bytes: text('{"spdx":1}') });
  await pushSignatureTag(source, first, sbom, [{ payload: text('sbom signature'), annotations: {} }]);
  const path = `${uniqueRepository('mirror')}/{repository}`;
  const name = `set-${crypto.randomUUID().slice(0, 8)}`;
  const set = {
    sources: [{ registry: source, repositories }],
    target: { registry: target, path },
    tags: SELECTION,
    ...(options.prune ? { prune: true } : {}),
  };
  const put = await call(service, 'PUT', `/v1/syncs/${name}`, set);
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  const at = (repository: string) => path.replace('{repository}', repository);
  return { service, name, set, repositories, digests, signed, sbom, at };
}

async function call(service: ReturnType<typeof makeService>, method: string, path: string, body?: unknown) {
  const res = await service.app.request(path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

/** Starts a run, waits for its jobs, and answers the settled run. */
async function runToEnd(service: ReturnType<typeof makeService>, name: string) {
  const started = await call(service, 'POST', `/v1/syncs/${name}/runs`, {});
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  for (const id of started.body.run.jobs) expect((await waitForJob(service, id, {}, 30)).state).toBe('done');
  const runs = await call(service, 'GET', `/v1/syncs/${name}/runs`);
  const run = runs.body.runs.find((r: { id: string }) => r.id === started.body.run.id);
  expect(run.state).toBe('done');
  expect(started.body.plan).toBeUndefined(); // each job plans its repository where it runs
  return { run };
}

async function tagsAt(repository: string): Promise<string[]> {
  const res = await fetch(`http://${target}/v2/${repository}/tags/list`);
  return res.ok ? (((await res.json()) as { tags: string[] | null }).tags ?? []).sort() : [];
}

async function digestAt(repository: string, reference: string): Promise<string | null> {
  const res = await fetch(`http://${target}/v2/${repository}/manifests/${reference}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
  });
  return res.ok ? computeDigest(new Uint8Array(await res.arrayBuffer())) : null;
}

it('a dry run plans a copy of each selected tag and writes nothing', async () => {
  const { service, name, repositories, at } = await setUp();
  const dry = await call(service, 'POST', `/v1/syncs/${name}/runs`, { dryRun: true });
  expect(dry.status, JSON.stringify(dry.body)).toBe(200);
  for (const [i, repository] of repositories.entries()) {
    const plan = dry.body.plan.repositories[i];
    expect(plan.target).toBe(`${target}/${at(repository)}`);
    expect(plan.steps.map((s: { tag: string; action: string }) => [s.tag, s.action])).toEqual(
      SELECTED.map((t) => [t, 'copy']),
    );
    expect(await tagsAt(at(repository))).toEqual([]);
  }
});

it('a run copies the selected tags byte for byte, with the signatures and SBOMs of each', async () => {
  const { service, name, repositories, digests, signed, sbom, at } = await setUp();
  const { run } = await runToEnd(service, name);
  expect(run.counts).toMatchObject({ copied: 2 * SELECTED.length, failed: 0 });
  const [first] = repositories as [string];
  const cosign = (digest: string) => `${digest.replace(':', '-')}.sig`;
  for (const repository of repositories) {
    const expected = [
      ...SELECTED,
      ...(repository === first ? [cosign(signed), cosign(sbom), signed.replace(':', '-')] : []),
    ];
    expect(await tagsAt(at(repository))).toEqual(expected.sort());
    for (const tag of SELECTED) expect(await digestAt(at(repository), tag)).toBe(digests[repository]![tag]);
  }
  expect(await digestAt(at(first), sbom)).toBe(sbom);
});

it('a cold run asks the target about each tag once, learns each registry once, and pushes an image once', async () => {
  const { service, name, repositories, digests, at } = await setUp();
  const before = service.requests.length;
  await runToEnd(service, name);
  const asked = service.requests
    .slice(before)
    .map((r) => ({ method: r.method, host: new URL(r.url).host, path: new URL(r.url).pathname }));
  // The plan asked whether each tag is there; the copy that followed did not ask again.
  for (const repository of repositories)
    for (const tag of SELECTED) {
      const path = `/v2/${at(repository)}/manifests/${tag}`;
      const reads = asked.filter((r) => r.host === target && r.path === path && r.method !== 'PUT');
      expect(
        reads.map((r) => r.method),
        `${at(repository)}:${tag}`,
      ).toEqual(['HEAD']);
      // A tag's PUT stores its image: it is not put by digest as well.
      const byDigest = `/v2/${at(repository)}/manifests/${digests[repository]![tag]}`;
      expect(asked.filter((r) => r.host === target && r.path === byDigest)).toEqual([]);
    }
  // Many requests go out at once; each registry's auth is learned by one ping of the run.
  for (const host of [source, target])
    expect(asked.filter((r) => r.host === host && r.path === '/v2/').length, host).toBeLessThanOrEqual(1);
});

it('starting a run plans nothing: a job per repository plans it where it runs', async () => {
  const { service, name, repositories } = await setUp();
  const started = await call(service, 'POST', `/v1/syncs/${name}/runs`, {});
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  // The request learned each registry's auth (one /v2/ each) and asked about no tag: on Workers a set of any
  // size starts within one invocation's budget, in an API request or the minute trigger.
  expect(started.body.run.requests).toBeLessThanOrEqual(2);
  expect(started.body.run.jobs).toHaveLength(repositories.length);
  for (const id of started.body.run.jobs) {
    const job = await waitForJob(service, id, {}, 30);
    expect(job.state).toBe('done');
    expect(job.mirrored).toMatchObject({ skipped: 0, pruned: [], errors: [] });
    expect(job.mirrored.requests).toBeGreaterThan(2 * SELECTED.length - 1);
  }
});

it('a warm run asks each side about each tag once, reads no blob and writes no cache', async () => {
  const { service, name, repositories, at } = await setUp();
  await runToEnd(service, name);
  await service.settle();
  const before = service.requests.length;
  let kvWrites = 0;
  const put = service.deps.kv.put.bind(service.deps.kv);
  service.deps.kv.put = (...args) => (kvWrites++, put(...args));
  const { run } = await runToEnd(service, name);
  expect(run.jobs).toHaveLength(repositories.length); // one a repository: it plans, and finds nothing to do
  expect(run.counts).toMatchObject({ copied: 0, skipped: 2 * SELECTED.length, pruned: 0, failed: 0 });
  const asked = service.requests
    .slice(before)
    .map((r) => ({ host: new URL(r.url).host, path: new URL(r.url).pathname }));
  expect(asked.filter((r) => r.path.includes('/blobs/'))).toEqual([]);
  for (const repository of repositories)
    for (const tag of SELECTED)
      for (const [host, name] of [
        [source, repository],
        [target, at(repository)],
      ] as const) {
        const times = asked.filter((r) => r.host === host && r.path === `/v2/${name}/manifests/${tag}`).length;
        expect(times, `${host}/${name}:${tag}`).toBe(1);
      }
  expect(kvWrites).toBe(0);
  // The run's history counts the registry requests it made: those seen here.
  expect(run.requests).toBe(asked.length);
});

it('prunes, when the set says so, the tags it wrote and selects no more; never a tag it did not write', async () => {
  const { service, name, set, repositories, digests, at } = await setUp({ prune: true });
  await runToEnd(service, name);
  const [first] = repositories as [string];
  // Someone else's tag at the target, and a tag the source drops (its manifest deleted there).
  const theirs = await runCopy(
    service,
    { source: `${source}/${first}:0.9.0`, target: `${target}/${at(first)}:theirs` },
    'application/json',
  );
  expect(theirs.status).toBe(200);
  const dropped = digests[first]!['1.2.0']!;
  expect((await fetch(`http://${source}/v2/${first}/manifests/${dropped}`, { method: 'DELETE' })).status).toBe(202);
  // Selecting the newest two leaves 1.2.0 out in the second repository too; the first dropped it at the source.
  expect(
    (await call(service, 'PUT', `/v1/syncs/${name}`, { ...set, tags: { ...SELECTION, newest: { count: 2 } } })).status,
  ).toBe(200);

  const dry = await call(service, 'POST', `/v1/syncs/${name}/runs`, { dryRun: true });
  for (const plan of dry.body.plan.repositories)
    expect(
      plan.steps.filter((s: { action: string }) => s.action === 'prune').map((s: { tag: string }) => s.tag),
    ).toEqual(['1.2.0']);
  expect(await tagsAt(at(first))).toContain('1.2.0');

  const { run } = await runToEnd(service, name);
  expect(run.counts.pruned).toBe(2);
  for (const repository of repositories) {
    const tags = await tagsAt(at(repository));
    expect(tags).not.toContain('1.2.0');
    expect(tags).toEqual(expect.arrayContaining(['2.0.0', 'v2.1.0']));
  }
  expect(await tagsAt(at(first))).toContain('theirs');
});

it('leaves every tag where prune is off', async () => {
  const { service, name, set, repositories, at } = await setUp();
  await runToEnd(service, name);
  expect(
    (await call(service, 'PUT', `/v1/syncs/${name}`, { ...set, tags: { ...SELECTION, newest: { count: 1 } } })).status,
  ).toBe(200);
  const { run } = await runToEnd(service, name);
  expect(run.counts.pruned).toBe(0);
  for (const repository of repositories) expect(await tagsAt(at(repository))).toEqual(expect.arrayContaining(SELECTED));
});

it('refuses a set whose patterns, range or target path cannot work, naming where', async () => {
  const service = makeService({ registries: localRegistries(source, target) }, { jobs: true });
  const base = { sources: [{ registry: source, repositories: ['a/b'] }], target: { registry: target } };
  for (const [body, where] of [
    [{ ...base, tags: { exclude: '(?=x)' } }, 'set.tags.exclude'],
    [{ ...base, tags: { semver: '>=banana' } }, 'set.tags.semver'],
    [
      {
        ...base,
        sources: [{ registry: source, repositories: ['a/b', 'c/d'] }],
        target: { registry: target, path: 'mirror' },
      },
      'set.target.path',
    ],
    [{ ...base, sources: [{ registry: source, repositories: ['Upper/Case'] }] }, 'set.sources[0].repositories[0]'],
  ] as const) {
    const res = await call(service, 'PUT', '/v1/syncs/bad', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
    expect(res.body.detail).toContain(where);
  }
});

it('takes the newest images by their created time, read from their configs, whatever their version', async () => {
  const service = makeService({ registries: localRegistries(source, target) }, { jobs: true });
  const repository = uniqueRepository('sync/dated');
  // Versions and times disagree: 2.0.0 is the oldest image, 1.0.0 the newest.
  const dates: Record<string, string> = {
    '1.0.0': '2026-11-30T10:00:00Z',
    '1.5.0': '2026-06-01T10:00:00Z',
    '2.0.0': '2025-01-01T10:00:00Z',
    nightly: '2026-11-01T10:00:00Z',
  };
  for (const [tag, created] of Object.entries(dates)) await pushSmallImage(source, repository, tag, created);
  const mirror = uniqueRepository('dated-mirror');
  const put = await call(service, 'PUT', '/v1/syncs/dated', {
    sources: [{ registry: source, repositories: [repository] }],
    target: { registry: target, path: `${mirror}/{repository}` },
    tags: { since: '2026-01-01', newest: { count: 2, by: 'created' } },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  await runToEnd(service, 'dated');
  expect(await tagsAt(`${mirror}/${repository}`)).toEqual(['1.0.0', 'nightly']);
  const bad = await call(service, 'PUT', '/v1/syncs/dated', {
    sources: [{ registry: source, repositories: [repository] }],
    target: { registry: target },
    tags: { since: 'last week' },
  });
  expect([bad.status, bad.body.detail]).toEqual([400, expect.stringContaining('set.tags.since')]);
});

it('syncs every repository under a catalog prefix, found at each run, and no other', async () => {
  const service = makeService({ registries: localRegistries(source, target) }, { jobs: true });
  const team = uniqueRepository('catalog');
  for (const repository of [`${team}/api`, `${team}/web/app`, `${team}-other/api`])
    await pushSmallImage(source, repository, '1.0.0');
  const mirror = uniqueRepository('catalog-mirror');
  const put = await call(service, 'PUT', '/v1/syncs/by-prefix', {
    sources: [{ registry: source, prefix: `${team}/` }],
    target: { registry: target, path: `${mirror}/{repository}` },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  await runToEnd(service, 'by-prefix');
  expect(await tagsAt(`${mirror}/${team}/api`)).toEqual(['1.0.0']);
  expect(await tagsAt(`${mirror}/${team}/web/app`)).toEqual(['1.0.0']);
  expect(await tagsAt(`${mirror}/${team}-other/api`)).toEqual([]);
  // A repository pushed later is found by the next run.
  await pushSmallImage(source, `${team}/worker`, '2.0.0');
  const { run } = await runToEnd(service, 'by-prefix');
  const sources = [];
  for (const id of run.jobs) sources.push((await call(service, 'GET', `/v1/jobs/${id}`)).body.request.source);
  expect(sources.map((s: string) => s.slice(source.length + 1))).toEqual([
    `${team}/api`,
    `${team}/web/app`,
    `${team}/worker`,
  ]);
  expect(run.counts).toMatchObject({ copied: 1, skipped: 2, failed: 0 });
  expect(await tagsAt(`${mirror}/${team}/worker`)).toEqual(['2.0.0']);
  const both = await call(service, 'PUT', '/v1/syncs/by-prefix', {
    sources: [{ registry: source, prefix: `${team}/`, repositories: ['a/b'] }],
    target: { registry: target, path: `${mirror}/{repository}` },
  });
  expect([both.status, both.body.detail]).toEqual([
    400,
    expect.stringContaining('"repositories" or a catalog "prefix"'),
  ]);
});

it('lets a caller write or run a set only where its grants cover every source and target, prefixes included', async () => {
  const sha256 = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);
  const service = makeService({
    registries: localRegistries(source, target),
    callers: {
      apiKeys: [
        { name: 'admin', sha256: await sha256('admin-key') },
        { name: 'runner', sha256: await sha256('runner-key') },
      ],
      grants: [
        { apiKey: 'admin', actions: ['admin'], repositories: [`${source}/mine/**`, `${target}/mirror/**`] },
        { apiKey: 'runner', actions: ['inspect'], repositories: [`${source}/mine/**`] },
        { apiKey: 'runner', actions: ['copy'], repositories: [`${target}/mirror/**`] },
      ],
    },
  });
  const as = (key: string, method: string, path: string, body?: unknown) =>
    service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const set = (prefix: string) => ({
    sources: [{ registry: source, prefix }],
    target: { registry: target, path: 'mirror/{repository}' },
  });
  expect((await as('admin-key', 'PUT', '/v1/syncs/theirs', set('theirs/'))).status).toBe(403);
  expect((await as('admin-key', 'PUT', '/v1/syncs/wide', set('mi/'))).status).toBe(403);
  expect((await as('admin-key', 'PUT', '/v1/syncs/mine', set('mine/'))).status).toBe(200);
  expect((await as('runner-key', 'PUT', '/v1/syncs/mine', set('mine/'))).status).toBe(403);
  const dry = await as('runner-key', 'POST', '/v1/syncs/mine/runs', { dryRun: true });
  expect(dry.status).toBe(200);
  const listed = (await (await as('runner-key', 'GET', '/v1/syncs')).json()) as { syncs: { name: string }[] };
  expect(listed.syncs.map((s) => s.name)).toEqual(['mine']);
});
