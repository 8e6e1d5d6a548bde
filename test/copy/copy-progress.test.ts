// Progress of a streamed copy comes from the resume pump that moves the bytes anyway, not from a stream
// of its own: with resumeDownloads on, large blobs report progress; with it off, blobs only start and end.

import { expect, inject, it } from 'vitest';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

async function streamedCopy(resumeDownloads: boolean) {
  const service = makeService({
    registries: localRegistries(source, target),
    copy: { resumeDownloads },
  });
  // Every look at the clock is 600 ms later: each chunk passes the 500 ms progress interval.
  let clock = Date.now();
  service.deps.now = () => (clock += 600);
  const run = await runCopy(service, {
    source: `${source}/ferry-test/large:v1`,
    target: `${target}/${uniqueRepository('progress/large')}:v1`,
  });
  expect(run.final.type, JSON.stringify(run.final)).toBe('done');
  return run.events;
}

it('with resumeDownloads, a large blob reports its bytes as they pass', async () => {
  const events = await streamedCopy(true);
  const progress = events.filter((e) => e.type === 'progress');
  expect(progress.length).toBeGreaterThan(0);
  for (const p of progress) expect(p.bytes).toBeLessThan(p.size);
  const started = new Set(events.filter((e) => e.type === 'started').map((e) => e.blob));
  for (const p of progress) expect(started.has(p.blob)).toBe(true);
});

it('without it, nothing is added to the stream to count: blobs are started and done', async () => {
  const events = await streamedCopy(false);
  expect(events.filter((e) => e.type === 'progress')).toEqual([]);
  expect(events.filter((e) => e.type === 'started').length).toBe(
    events.filter((e) => e.type === 'done' && e.blob).length,
  );
});
