// Issue 34, metrics on Workers: an isolate's counts go to the Analytics Engine binding (FERRY_METRICS) as data
// points once an invocation has answered, through worker.ts's own fetch. Local workerd's binding records
// nothing, so the binding here is a recorder with Analytics Engine's writeDataPoint.

import { expect, inject, it } from 'vitest';
import { workersPlatform } from '@test-runtime';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository } from '../support/copying.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

interface DataPoint {
  blobs?: string[];
  doubles?: number[];
  indexes?: string[];
}

it.runIf(workersPlatform)('a copy through worker.ts leaves its counts at the Analytics Engine binding', async () => {
  const points: DataPoint[] = [];
  const waiting: Promise<unknown>[] = [];
  const bindings = {
    FERRY_CONFIG: JSON.stringify({ registries: localRegistries(source, target), callers: { anonymous: true } }),
    FERRY_METRICS: { writeDataPoint: (point: DataPoint) => points.push(point) },
  };
  const ctx = { waitUntil: (work: Promise<unknown>) => waiting.push(work) };
  const copy = await workersPlatform!.workerFetch(
    new Request('http://localhost/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        source: `${source}/ferry-test/release-a:v1`,
        target: `${target}/${uniqueRepository('metrics/points')}:v1`,
      }),
    }),
    bindings,
    ctx,
  );
  expect(copy.status, await copy.clone().text()).toBe(200);
  await Promise.all(waiting);
  const point = (...blobs: string[]) => points.find((p) => blobs.every((b, i) => p.blobs?.[i] === b));
  expect(point('ferry_copies_total', 'completed')).toMatchObject({ indexes: ['ferry_copies_total'], doubles: [1] });
  expect(point('ferry_upstream_requests_total', source, '2xx')?.doubles?.[0]).toBeGreaterThan(0);
  expect(point('ferry_upstream_requests_total', target, '2xx')?.doubles?.[0]).toBeGreaterThan(0);
  const streamed = point('ferry_blobs_total', 'streamed');
  expect(streamed?.doubles?.[0]).toBeGreaterThan(0);
  // A histogram: its count, its sum, then the observations per bucket.
  const duration = point('ferry_copy_duration_seconds', 'completed')!;
  expect(duration.doubles![0]).toBe(1);
  expect(duration.doubles!.slice(2).reduce((a, b) => a + b, 0)).toBe(1);

  // What was sent is not sent again: the next invocation sends only what moved since.
  const sent = points.length;
  const health = await workersPlatform!.workerFetch(new Request('http://localhost/healthz'), bindings, ctx);
  expect(health.status).toBe(200);
  await Promise.all(waiting);
  expect(points.slice(sent).filter((p) => p.blobs?.[0] === 'ferry_copies_total')).toEqual([]);
});
