// The registry layer decides how a blob is uploaded (as go-containerregistry's remote.write does): the target's
// upload profile is read once, where its transport is made, and the copy's plan pricing, resumes and streams
// ask the uploader, never the profile. Counted: reads of the configured entry's `upload` during a copy of a
// multi-platform image into a registry that takes chunks.

import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

it("a chunked copy of many blobs reads the target's upload profile once", async () => {
  const service = makeService({
    registries: {
      [source]: { insecure: true },
      [target]: { insecure: true, upload: { mode: 'chunked', chunkSize: 4096 } },
    },
  });
  const entry = service.deps.config.registries.get(target)!;
  const profile = entry.upload;
  let reads = 0;
  Object.defineProperty(entry, 'upload', {
    get: () => (reads++, profile),
  });
  const repository = uniqueRepository('profile/once');
  const run = await runCopy(service, {
    source: `${source}/ferry-test/multiarch:v1`,
    target: `${target}/${repository}:v1`,
  });
  expect(run.final.type, JSON.stringify(run.final)).toBe('done');
  const streamed = run.events.filter((e) => e.type === 'done' && e.blob).length;
  expect(streamed).toBeGreaterThan(2);
  expect(service.requests.filter((r) => r.method === 'PATCH').length).toBeGreaterThanOrEqual(streamed);
  expect(reads).toBe(1);
  expect((await judge(fixture.judge, 'copy-all', `${target}/${repository}:v1`)).ok).toBe(true);
});
