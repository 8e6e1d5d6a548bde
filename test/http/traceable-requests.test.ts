// Issue 34, traceable logs: a request carries the caller's W3C trace into every registry request (a span of
// its own each), is answered with its id (x-request-id, and `requestId` in a problem document), and leaves one
// structured log line naming request, trace, caller, operation, registries, outcome and duration.

import { expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

const lines = (logs: string[]) => logs.map((l) => JSON.parse(l) as Record<string, unknown>);

it("passes the caller's trace on to every registry request and names it in each log line", async () => {
  const service = makeService({ registries: localRegistries(source) });
  const response = await service.app.request(`/v1/inspect/${source}/ferry-test/multiarch:v1`, {
    headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
  });
  expect(response.status).toBe(200);
  const requestId = response.headers.get('x-request-id')!;
  expect(requestId).toMatch(/^[0-9a-f]{16}$/);
  const upstream = service.requests.filter((r) => r.url.includes(source));
  expect(upstream.length).toBeGreaterThan(1);
  const parents = upstream.map((r) => r.headers.traceparent);
  for (const header of parents) expect(header).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
  expect(new Set(parents).size).toBe(parents.length); // a span of its own each
  expect(parents.some((p) => p!.includes(PARENT))).toBe(false);
  await service.settle();
  const logged = lines(service.logs);
  const line = logged.find((l) => l.m === 'request');
  expect(line).toMatchObject({
    requestId,
    traceId: TRACE,
    method: 'GET',
    route: '/v1/inspect/*',
    status: 200,
    caller: 'anonymous',
    registries: source,
    durationMs: expect.any(Number),
  });
  expect(logged.every((l) => l.traceId === TRACE)).toBe(true);
});

it('begins a trace where the caller sent none (or a malformed one), and a problem document names its request', async () => {
  const service = makeService({ registries: localRegistries(source) });
  for (const traceparent of [undefined, '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'nonsense']) {
    const response = await service.app.request(`/v1/inspect/${source}/ferry-test/multiarch:nope`, {
      headers: traceparent ? { traceparent } : {},
    });
    expect(response.status).toBe(404);
    const problem = (await response.json()) as { code: string; requestId: string };
    expect(problem).toMatchObject({ code: 'NOT_FOUND', requestId: response.headers.get('x-request-id') });
    const sent = service.requests.at(-1)!.headers.traceparent!;
    expect(sent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(sent).not.toContain('00000000000000000000000000000000');
  }
});

it('a job keeps the trace of the request that made it: its registry requests and its log lines carry it', async () => {
  const service = makeService({ registries: localRegistries(source, target) }, { jobs: true });
  const response = await service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${TRACE}-${PARENT}-01` },
    body: JSON.stringify({
      source: `${source}/ferry-test/release-a:v1`,
      target: `${target}/${uniqueRepository('traced/job')}:v1`,
      wait: false,
    }),
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  expect((await waitForJob(service, id)).state).toBe('done');
  await service.settle();
  const toTarget = service.requests.filter((r) => r.url.includes(target));
  expect(toTarget.length).toBeGreaterThan(0);
  for (const request of toTarget) expect(request.headers.traceparent).toMatch(new RegExp(`^00-${TRACE}-`));
  const ran = lines(service.logs).filter((l) => (l.m === 'job run' || l.m === 'job step') && l.job === id);
  expect(ran.length).toBeGreaterThan(0);
  expect(ran.every((l) => l.traceId === TRACE && typeof l.durationMs === 'number')).toBe(true);
});

it("a streamed copy's request line is written when its stream ends, with the copy's outcome", async () => {
  const service = makeService({ registries: localRegistries(source, target) });
  const copy = (from: string) =>
    service.app.request('/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify({ source: from, target: `${target}/${uniqueRepository('traced/stream')}:v1` }),
    });
  for (const [from, outcome] of [
    [`${source}/ferry-test/release-a:v1`, 'completed'],
    [`${source}/ferry-test/absent:v1`, 'failed'],
  ] as const) {
    const response = await copy(from);
    expect(response.status).toBe(200);
    const events = (await response.text()).trim().split('\n');
    await service.settle();
    const line = lines(service.logs).find(
      (l) => l.m === 'request' && l.requestId === response.headers.get('x-request-id'),
    );
    expect(line, events.at(-1)).toMatchObject({ route: '/v1/copy', status: 200, streamed: true, outcome });
    // It names the registries the copy reached, which only the copy's end knows.
    expect(String(line!.registries).split(',')).toContain(source);
    if (outcome === 'failed') expect(line!.code).toBe(JSON.parse(events.at(-1)!).code);
  }
});
