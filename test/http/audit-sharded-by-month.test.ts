// The audit trail is sharded by month (issue 30): each month's records sit in a state group (a Durable
// Object on Workers) of their own, so no object grows past its 10 GB with time; GET /v1/audit still pages
// newest first across months. A record the store refuses is counted, and /healthz shows the count.

import { expect, it } from 'vitest';
import { makeState } from '@test-runtime';
import { recordAudit } from '../../src/ops/audit.js';
import { stateGroup, type StateStore } from '../../src/state/store.js';
import { makeService } from '../support/service.js';

const MONTH = 31 * 24 * 3600_000;

it('audit records of different months sit in different groups, and one list pages through them newest first', async () => {
  const groups = new Set<string>();
  const inner = makeState();
  const state: StateStore = {
    ...inner,
    get: (key) => inner.get(key),
    create: (key, value, options) => (groups.add(stateGroup(key)), inner.create(key, value, options)),
    update: (key, version, value, options) => inner.update(key, version, value, options),
    delete: (key) => inner.delete(key),
    list: (prefix, options) => inner.list(prefix, options),
    jobIndex: inner.jobIndex,
  };
  const svc = makeService({}, { state });
  const start = Date.now() - 3 * MONTH;
  for (let i = 0; i < 6; i++) {
    svc.deps.now = () => start + Math.floor(i / 2) * MONTH + i * 1000;
    await recordAudit(svc.deps, { caller: 'anonymous', action: `action-${i}`, outcome: 'ok', repositories: ['r/x'] });
  }
  svc.deps.now = () => Date.now();
  expect(groups.size).toBe(3);

  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await svc.app.request(`/v1/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { records: { action: string }[]; cursor?: string };
    seen.push(...body.records.map((r) => r.action));
    cursor = body.cursor;
    if (!cursor) break;
  }
  expect(seen).toEqual(['action-5', 'action-4', 'action-3', 'action-2', 'action-1', 'action-0']);
});

it('an audit record the store refuses is counted, and /healthz shows how many were lost', async () => {
  const inner = makeState();
  const refusing: StateStore = {
    ...inner,
    get: (key) => inner.get(key),
    create: async (key, value, options) => {
      if (key.startsWith('audit')) throw new Error('overloaded');
      return inner.create(key, value, options);
    },
    update: (key, version, value, options) => inner.update(key, version, value, options),
    delete: (key) => inner.delete(key),
    list: (prefix, options) => inner.list(prefix, options),
    jobIndex: inner.jobIndex,
  };
  const svc = makeService({}, { state: refusing });
  const before = ((await (await svc.app.request('/healthz')).json()) as { auditRecordsLost: number }).auditRecordsLost;
  await recordAudit(svc.deps, { caller: 'anonymous', action: 'lost', outcome: 'ok' });
  await recordAudit(svc.deps, { caller: 'anonymous', action: 'lost too', outcome: 'ok' });
  const health = (await (await svc.app.request('/healthz')).json()) as { ok: boolean; auditRecordsLost: number };
  expect(health).toMatchObject({ ok: true, auditRecordsLost: before + 2 });
  expect(svc.logs.filter((l) => l.includes('could not write an audit record'))).toHaveLength(2);
});

it('records an earlier version kept in one group are listed after the months, until they expire', async () => {
  const svc = makeService({});
  const old = {
    at: '2026-11-01T00:00:00.000Z',
    caller: 'anonymous',
    action: 'before-months',
    outcome: 'ok',
    repositories: ['r/x'],
  };
  await svc.deps.state.create(
    `audit|${(9_999_999_999_999 - Date.parse(old.at)).toString().padStart(16, '0')}:x`,
    JSON.stringify(old),
  );
  await recordAudit(svc.deps, { caller: 'anonymous', action: 'this-month', outcome: 'ok', repositories: ['r/x'] });
  const first = (await (await svc.app.request('/v1/audit?limit=1')).json()) as {
    records: { action: string }[];
    cursor: string;
  };
  expect(first.records.map((r) => r.action)).toEqual(['this-month']);
  const rest = (await (
    await svc.app.request(`/v1/audit?limit=5&cursor=${encodeURIComponent(first.cursor)}`)
  ).json()) as {
    records: { action: string }[];
    cursor?: string;
  };
  expect(rest.records.map((r) => r.action)).toEqual(['before-months']);
  expect(rest.cursor).toBeUndefined();
  // A cursor naming any other group is refused: it would choose the object read.
  expect((await svc.app.request(`/v1/audit?cursor=${encodeURIComponent('job:x|record')}`)).status).toBe(400);
});
