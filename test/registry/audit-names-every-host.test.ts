// Security review v2, B1 (attempt 66): the audit record of a redirected copy named only the repositories
// the caller asked for, not where the bytes really came from or went. A copy's record now names every host
// its requests reached: the registries, and the blob storage a registry redirected to.

import { expect, inject, it } from 'vitest';
import { localRegistries } from '../support/configs.js';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const target = fixture.targets.anonymous.host;
const proxy = fixture.faultProxy;

it("a copy's audit record names every host bytes were read from or written to", async () => {
  const service = makeService({
    registries: {
      ...localRegistries(target),
      [proxy]: {
        insecure: true,
        headers: { 'x-ferry-fault': 'redirect-blobs' },
        blobHosts: [fixture.blobStorage],
      },
    },
  });
  const run = await runCopy(service, {
    source: `${proxy}/ferry-test/v2s2:v1`,
    target: `${target}/${uniqueRepository('audited')}:v1`,
  });
  expect(run.final?.type, JSON.stringify(run.final)).toBe('done');
  await service.settle();
  const audit = (await service.get('/v1/audit?action=copy&limit=50')).body;
  const record = audit.records.find((r: { target?: string }) => r.target === run.final.result.target);
  expect(record, JSON.stringify(audit)).toBeDefined();
  expect(record.hosts).toEqual([fixture.blobStorage, proxy, target].sort());
});
