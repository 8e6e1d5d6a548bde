// Security review v2, B4: a registry's referrers were read up to 20 pages of 4 MiB each, parsed and
// rendered (11 MB of console HTML, 300 MB more memory, for one image). Referrers are now read within a
// bound on entries and bytes across pages (limits.referrerEntries, limits.referrerBytes), wherever they
// are read: past it, LIMIT_EXCEEDED, and no further page is asked for.

import { expect, inject, it } from 'vitest';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const hostile = fixture.faultProxy;

function service(perPage: number, limits: Record<string, number> = {}) {
  return makeService({
    registries: {
      [hostile]: {
        insecure: true,
        headers: { 'x-ferry-fault': 'huge-referrers', 'x-ferry-fault-arg': String(perPage) },
      },
    },
    limits,
  });
}

const pagesAsked = (s: ReturnType<typeof makeService>) =>
  s.requests.filter((r) => r.url.includes('/referrers/')).length;

it('an image with 20 pages of referrers: the console stops at the entries bound (default 1,000)', async () => {
  const s = service(2000);
  const page = await s.get(`/console/image/${hostile}/ferry-test/v2s2:v1`);
  expect(page.status).toBe(422);
  expect(new TextDecoder().decode(page.bytes)).toContain('LIMIT_EXCEEDED');
  expect(page.bytes.byteLength).toBeLessThan(100_000);
  expect(pagesAsked(s)).toBe(1);
});

it('the bytes bound holds across pages, as configured', async () => {
  const s = service(500, { referrerEntries: 100_000, referrerBytes: 150_000 });
  const page = await s.get(`/console/image/${hostile}/ferry-test/v2s2:v1`);
  expect(page.status).toBe(422);
  expect(new TextDecoder().decode(page.bytes)).toContain('LIMIT_EXCEEDED');
  expect(pagesAsked(s)).toBeLessThanOrEqual(2);
});
