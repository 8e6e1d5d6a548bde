// Security review v2, B7: a catalog page was filtered by the caller's grants, but its "next" cursor was the
// registry's own last name, often another team's repository ("?last=team-b%2Fproj-096"). The cursor is now
// built from the names the caller sees, and a page is filled from further registry pages when the
// registry's page held names the caller may not see.

import { beforeAll, expect, inject, it } from 'vitest';
import { listRepositories } from '../../src/ops/inspect/index.js';
import { localRegistries } from '../support/configs.js';
import { runCopy } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.emptyRegistry;
const prefix = `catalog-${crypto.randomUUID().slice(0, 8)}`;
const names = ['a-team/app', 'b-team/proj-1', 'b-team/proj-2', 'c-team/tool', 'd-team/x'].map((n) => `${prefix}/${n}`);
const service = makeService({ registries: localRegistries(source, registry) });

beforeAll(async () => {
  for (const name of names) {
    const run = await runCopy(service, { source: `${source}/ferry-test/v2s2:v1`, target: `${registry}/${name}:v1` });
    expect(run.final?.type, JSON.stringify(run.final)).toBe('done');
  }
}, 60_000);

it("a page's next cursor never names a repository the caller may not see", async () => {
  const visible = (r: string) =>
    r.startsWith(`${registry}/${prefix}/a-team/`) || r.startsWith(`${registry}/${prefix}/c-team/`);
  const first = await listRepositories(service.deps, registry, { n: 2, last: `${prefix}/` }, visible);
  expect(first.next ?? '').not.toContain('b-team');
  expect(first.repositories).toEqual([`${prefix}/a-team/app`, `${prefix}/c-team/tool`]);
  expect(first.next).toBe(`${prefix}/c-team/tool`);
  const second = await listRepositories(service.deps, registry, { n: 2, last: first.next! }, visible);
  expect(second.repositories).toEqual([]);
  for (const page of [first, second]) expect(page.next ?? '').not.toContain('b-team');
  expect(second.next ?? '').not.toContain('d-team');
});
