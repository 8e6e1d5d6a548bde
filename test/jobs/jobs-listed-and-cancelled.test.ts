// Jobs are visible and controllable: GET /v1/jobs lists what the caller may see (by state, kind, rule);
// DELETE /v1/jobs/<id> cancels a queued or running job (its creator or an admin), leaving no tag that
// names an incomplete image; a finished job is a 409; someone else's job does not exist.

import { expect, inject, it } from 'vitest';
import type { InProcessJobs } from '../../entries/in-process-jobs.js';
import { computeDigest } from '../../src/registry/digest.js';
import { judge, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const proxy = fixture.faultProxy;
const hash = async (key: string) => (await computeDigest(new TextEncoder().encode(key))).slice(7);

async function service(extra: Record<string, unknown> = {}) {
  return makeService(
    {
      registries: {
        [source]: { insecure: true },
        [target]: { insecure: true },
        [proxy]: {
          insecure: true,
          headers: { 'x-ferry-fault': 'stall-blob-get', 'x-ferry-fault-id': crypto.randomUUID() },
        },
      },
      copy: { idleTimeoutSeconds: 2 },
      callers: {
        apiKeys: [
          { name: 'ka', sha256: await hash('jobs-ka') },
          { name: 'kb', sha256: await hash('jobs-kb') },
        ],
        grants: [
          { apiKey: 'ka', actions: ['inspect', 'copy'], repositories: ['**/**'] },
          { apiKey: 'kb', actions: ['inspect', 'copy'], repositories: [`${target}/kb-only/*`] },
        ],
      },
      ...extra,
    },
    { jobs: true },
  );
}

function caller(svc: Awaited<ReturnType<typeof service>>, key: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await svc.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}

it("GET /v1/jobs lists the caller's jobs, filtered by state and kind; another caller sees none of them", async () => {
  const svc = await service();
  const ka = caller(svc, 'jobs-ka');
  const kb = caller(svc, 'jobs-kb');
  const ids: string[] = [];
  for (const tag of ['v1', 'v2']) {
    const res = await ka('POST', '/v1/copy', {
      source: `${source}/ferry-test/v2s2:v1`,
      target: `${target}/${uniqueRepository('listed')}:${tag}`,
      wait: false,
    });
    expect(res.status).toBe(202);
    ids.push(res.body.id);
  }
  for (const id of ids) await waitForJob(svc, id, { authorization: 'Bearer jobs-ka' });
  const mine = await ka('GET', '/v1/jobs?kind=copy&state=done&limit=200');
  expect(mine.status).toBe(200);
  expect(mine.body.jobs.map((j: { id: string }) => j.id)).toEqual(expect.arrayContaining(ids));
  expect(mine.body.jobs.every((j: { kind: string; state: string }) => j.kind === 'copy' && j.state === 'done')).toBe(
    true,
  );
  expect((await ka('GET', '/v1/jobs?state=failed')).body.jobs.map((j: { id: string }) => j.id)).not.toEqual(
    expect.arrayContaining(ids),
  );
  const theirs = await kb('GET', '/v1/jobs?limit=200');
  expect(theirs.body.jobs.filter((j: { id: string }) => ids.includes(j.id))).toEqual([]);
  expect((await ka('GET', '/v1/jobs?state=sideways')).status).toBe(400);
});

it("security review v2, weak item 62: a job list's cursor never names another caller's job", async () => {
  const svc = await service();
  const ka = caller(svc, 'jobs-ka');
  const kb = caller(svc, 'jobs-kb');
  const start = async (who: typeof ka, from: string, repository: string) => {
    const res = await who('POST', '/v1/copy', { source: from, target: `${target}/${repository}:v1`, wait: false });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.id as string;
  };
  // kb reads and writes only kb-only/*: its source is put there first.
  const seed = `kb-only/seed-${crypto.randomUUID().slice(0, 8)}`;
  await waitForJob(svc, await start(ka, `${source}/ferry-test/v2s2:v1`, seed), { authorization: 'Bearer jobs-ka' });
  const theirs = [];
  for (let i = 0; i < 4; i++)
    theirs.push(await start(kb, `${target}/${seed}:v1`, `kb-only/cursor-${crypto.randomUUID().slice(0, 8)}`));
  const mine = await start(ka, `${source}/ferry-test/v2s2:v1`, uniqueRepository('cursor'));
  const cursors: string[] = [];
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const listed = await ka('GET', `/v1/jobs?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(listed.status).toBe(200);
    seen.push(...listed.body.jobs.map((j: { id: string }) => j.id));
    cursor = listed.body.cursor;
    if (!cursor) break;
    cursors.push(cursor);
  }
  expect(seen).toContain(mine);
  for (const id of theirs) {
    expect(seen).not.toContain(id);
    expect(cursors.join(' ')).not.toContain(id);
  }
});

it('DELETE cancels a running copy: it ends cancelled, the target gets no tag; a finished job is 409; another caller gets 404', async () => {
  const svc = await service();
  const ka = caller(svc, 'jobs-ka');
  const kb = caller(svc, 'jobs-kb');
  const repository = uniqueRepository('cancelled');
  const big = fixture.bulk.big;
  const started = await ka('POST', '/v1/copy', {
    source: `${proxy}/${big.repository}:${big.tag}`,
    target: `${target}/${repository}:v1`,
    wait: false,
  });
  expect(started.status).toBe(202);
  const id = started.body.id as string;
  for (let i = 0; i < 50 && (await ka('GET', `/v1/jobs/${id}`)).body.state === 'queued'; i++)
    await new Promise((r) => setTimeout(r, 100));

  expect((await kb('DELETE', `/v1/jobs/${id}`)).status).toBe(404);
  const cancelled = await ka('DELETE', `/v1/jobs/${id}`);
  expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
  expect(cancelled.body).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });

  // The run that was going on stops before its next blob and writes no tag: wait until it has returned.
  await (svc.workflows ? svc.workflows.settle() : (svc.deps.jobs as InProcessJobs).idle());
  await svc.settle();
  expect((await ka('GET', `/v1/jobs/${id}`)).body.state).toBe('cancelled');
  expect((await judge(fixture.judge, 'raw', `${target}/${repository}:v1`)).raw).toBeUndefined();
  expect((await ka('DELETE', `/v1/jobs/${id}`)).status).toBe(409);
}, 30_000);
