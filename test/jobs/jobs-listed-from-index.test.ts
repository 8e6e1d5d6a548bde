// Jobs scale with the organisation (issue 30): each job's record sits in a state group of its own (a Durable
// Object per job on Workers), and GET /v1/jobs answers from the job index alone, newest first, which is
// written when a job's state changes and never for its progress. A many-tags job's batches (on Workers) are
// listed by their parent.

import { expect, inject, it } from 'vitest';
import { makeState, runtimeName } from '@test-runtime';
import { stateGroup, type StateStore } from '../../src/state/store.js';
import type { JobIndexRow } from '../../src/state/job-index.js';
import { stateKeys } from '../../src/state/records.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

/** The store, with the keys it was asked for and the index rows written, in order. */
function watched(inner: StateStore) {
  const keys: { op: string; key: string }[] = [];
  const puts: JobIndexRow[] = [];
  const seen =
    (op: string) =>
    <A extends unknown[], R>(f: (key: string, ...rest: A) => Promise<R>) =>
    (key: string, ...rest: A) => {
      keys.push({ op, key });
      return f(key, ...rest);
    };
  const store: StateStore = {
    get: seen('get')((key) => inner.get(key)),
    create: seen('create')((key, value: string, options?) => inner.create(key, value, options)),
    update: seen('update')((key, version: number, value: string, options?) =>
      inner.update(key, version, value, options),
    ),
    delete: seen('delete')((key) => inner.delete(key)),
    list: seen('list')((prefix, options?) => inner.list(prefix, options)),
    jobIndex: {
      put: (row, ttl) => (puts.push(row), inner.jobIndex.put(row, ttl)),
      list: (query) => inner.jobIndex.list(query),
    },
  };
  return { store, keys, puts };
}

it('each job keeps its record in a group of its own; its index row is written per state, not per progress', async () => {
  const { store, keys, puts } = watched(makeState());
  const svc = makeService(
    { registries: { [source]: { insecure: true }, [target]: { insecure: true } } },
    {
      jobs: true,
      state: store,
    },
  );
  const ids: string[] = [];
  for (const tag of ['v1', 'v2']) {
    const res = await svc.app.request('/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: `${source}/ferry-test/v2s2:v1`,
        target: `${target}/${uniqueRepository('indexed')}:${tag}`,
        wait: false,
      }),
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { id: string }).id);
  }
  for (const id of ids) expect((await waitForJob(svc, id)).state).toBe('done');

  // Every key of a job's group is its record's; no two jobs share a group.
  const [a, b] = ids as [string, string];
  const groupOf = (id: string) => stateGroup(stateKeys.job(id));
  expect(groupOf(a)).not.toBe(groupOf(b));
  for (const id of ids) {
    const inGroup = keys.filter((k) => stateGroup(k.key) === groupOf(id));
    expect(inGroup.length).toBeGreaterThan(0);
    expect(inGroup.every((k) => k.key === stateKeys.job(id))).toBe(true);
  }

  for (const id of ids) {
    const states = puts.filter((row) => row.id === id).map((row) => row.state);
    expect(states).toEqual(['queued', 'running', 'done']);
    const recordWrites = keys.filter((k) => k.key === stateKeys.job(id) && k.op !== 'get');
    expect(recordWrites.length).toBeGreaterThanOrEqual(states.length);
  }

  // The list reads the index only, newest first.
  keys.length = 0;
  const listed = await svc.app.request('/v1/jobs?kind=copy');
  expect(listed.status).toBe(200);
  const body = (await listed.json()) as { jobs: { id: string; state: string; request: { target: string } }[] };
  expect(body.jobs.map((j) => j.id)).toEqual([b, a]);
  expect(body.jobs[0]).toMatchObject({ state: 'done', request: { target: expect.stringContaining(':v2') } });
  // A job gives back its lane slots (on Workers) in a step after the one that wrote `done`; those writes may
  // land while the list is read and are not the list's.
  expect(keys.filter((k) => !k.key.startsWith('slots:'))).toEqual([]);
});

// Batches are Workflow instances of their own (src/ops/jobs/batches.ts); in process a many-tags job runs whole.
it.runIf(runtimeName === 'workerd')('GET /v1/jobs?parent= lists the batches of a many-tags job', async () => {
  const svc = makeService(
    { registries: { [source]: { insecure: true }, [target]: { insecure: true } } },
    {
      jobs: true,
    },
  );
  const res = await svc.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: `${source}/${fixture.bulk.tags150.repository}`,
      target: `${target}/${uniqueRepository('batches')}`,
      tags: 'all',
      wait: false,
    }),
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  expect((await waitForJob(svc, id, {}, 120)).state).toBe('done');
  const batches = (await (await svc.app.request(`/v1/jobs?parent=${id}`)).json()) as {
    jobs: { id: string; parent: string; state: string }[];
  };
  expect(batches.jobs.map((j) => j.id).sort()).toEqual([`${id}_0`, `${id}_1`]);
  expect(batches.jobs.every((j) => j.parent === id && j.state === 'done')).toBe(true);
});

it('a job an earlier version recorded in the one jobs group is read, moved to a group of its own and indexed', async () => {
  const svc = makeService({ registries: { [source]: { insecure: true }, [target]: { insecure: true } } });
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  const legacy = {
    id,
    kind: 'copy',
    caller: 'anonymous',
    state: 'running',
    createdAt: now,
    updatedAt: now,
    runs: 1,
    progress: { blobsDone: 0, blobsTotal: 1 },
    request: { source: `${source}/ferry-test/v2s2:v1`, target: `${target}/legacy:v1` },
  };
  await svc.deps.state.create(`jobs|${id}`, JSON.stringify(legacy), { ttlSeconds: 3600 });
  const read = await svc.app.request(`/v1/jobs/${id}`);
  expect(read.status).toBe(200);
  expect(await read.json()).toMatchObject({ id, state: 'running' });
  expect(await svc.deps.state.get(`jobs|${id}`)).toBeNull();
  expect(await svc.deps.state.get(stateKeys.job(id))).not.toBeNull();
  const listed = (await (await svc.app.request('/v1/jobs?state=running')).json()) as { jobs: { id: string }[] };
  expect(listed.jobs.map((j) => j.id)).toContain(id);
});
