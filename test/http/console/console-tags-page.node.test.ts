// User-experience review v2, friction 7: the tags page left Size empty for every multi-arch tag (and the image
// page's Platforms showed the manifest's 582 B), sorted 0.10.0 before 0.2.0, had no filter box, and paged
// forward only. Driven in chromium; each size is the image's own, as GET /v1/inspect?platform= gives it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { uniqueRepository } from '../../support/copying.js';
import { openConsole, type ConsoleBrowser } from '../../support/console-browser.js';
import { sendJson } from '../../support/ferry-process.js';
import { OciLayout } from '../../support/oci-layout.js';
import { skopeo } from '../../support/skopeo.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;

let opened: ConsoleBrowser;
let ferry: ConsoleBrowser['ferry'];
let page: Page;
const repository = `${target}/${uniqueRepository('console/tags')}`;

beforeAll(async () => {
  opened = await openConsole({
    registries: { [host]: { insecure: true }, [target]: { insecure: true } },
    callers: { anonymous: true },
  });
  ({ ferry, page } = opened);
  const copied = await sendJson(ferry, 'POST', '/v1/copy', {
    source: `${host}/ferry-test/multiarch:v1`,
    target: `${repository}:0.1.0`,
    tags: ['0.2.0', '0.10.0'],
  });
  expect(copied.digest, JSON.stringify(copied)).toBeTruthy();
}, 90_000);

afterAll(() => opened?.close());

const sizeOf = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);

it('versions sort newest first (0.10.0 before 0.2.0), a filter narrows them, and each platform has its size', async () => {
  await page.goto(`${ferry.base}/console/tags/${repository}`);
  const tags = await page.$$eval('#tags tbody tr td:first-child', (cells) => cells.map((c) => c.textContent));
  expect(tags).toEqual(['0.10.0', '0.2.0', '0.1.0']);
  const arm = await sendJson(ferry, 'GET', `/v1/inspect/${repository}:0.1.0?platform=linux/arm64`);
  const sizes = await page.textContent('#tags tbody tr:first-child td.size');
  expect(sizes).toContain(`${arm.platform} ${sizeOf(arm.totalSize)}`);
  await page.fill('#filter', '0.1');
  await Promise.all([page.waitForURL(/filter=0\.1/), page.press('#filter', 'Enter')]);
  expect(await page.$$eval('#tags tbody tr td:first-child', (cells) => cells.map((c) => c.textContent))).toEqual([
    '0.10.0',
    '0.1.0',
  ]);
  // The image page's Platforms give each image's size too, not its manifest's.
  await page.goto(`${ferry.base}/console/image/${repository}:0.1.0`);
  const row = await page.$$eval('#platforms tbody tr', (rows) =>
    rows.map((r) => Array.from(r.querySelectorAll('td')).map((c) => c.textContent)),
  );
  expect(row.find((cells) => cells[0] === arm.platform)?.[2]).toBe(sizeOf(arm.totalSize));
});

it('pages go both ways, keeping the filter', async () => {
  await page.goto(`${ferry.base}/console/tags/${host}/ferry-test/tags500?filter=1`);
  expect(await page.$('a[rel=prev]')).toBeNull();
  await Promise.all([page.waitForURL(/page=2/), page.click('a[rel=next]')]);
  expect(page.url()).toContain('filter=1');
  expect(await page.textContent('nav.pages')).toContain('page 2 of');
  await Promise.all([page.waitForURL((url) => !url.search.includes('page=')), page.click('a[rel=prev]')]);
  expect(await page.textContent('nav.pages')).toContain('page 1 of');
});

it("sorts by created time (the image's own: registries keep no push time), an index by its newest platform", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-created-'));
  const dated = `${target}/${uniqueRepository('console/created')}`;
  try {
    const layout = new OciLayout(dir);
    // Version order 2.0.0, 1.5.0, 1.0.0; built in another order.
    const built: [string, string][] = [
      ['1.0.0', '2026-03-01T00:00:00Z'],
      ['2.0.0', '2026-01-01T00:00:00Z'],
      ['1.5.0', '2026-05-01T00:00:00Z'],
    ];
    for (const [tag, created] of built) {
      const layer = layout.layer([['version', `${tag}\n`]]);
      layout.tag(layout.image({ platform: { os: 'linux', architecture: 'amd64' }, layers: [layer], created }), tag);
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:${tag}`, `docker://${dated}:${tag}`]);
    }
    await page.goto(`${ferry.base}/console/tags/${dated}`);
    await Promise.all([page.waitForURL(/sort=created/), page.click('text=by created time')]);
    const order = await page.$$eval('#tags tbody tr td:first-child', (cells) => cells.map((c) => c.textContent));
    expect(order).toEqual(['1.5.0', '1.0.0', '2.0.0']);
    expect(await page.textContent('p.order')).toContain('no push time');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A multi-arch tag without a created annotation is as old as its newest image.
  await page.goto(`${ferry.base}/console/tags/${repository}?sort=created`);
  expect(await page.getAttribute('#tags tbody tr:first-child time', 'datetime')).toBe('2026-01-02T03:04:05Z');
  // Too many tags to read each one's image: said, and sorted by version instead.
  await page.goto(`${ferry.base}/console/tags/${host}/ferry-test/tags500?sort=created`);
  expect(await page.textContent('p.order')).toContain('filter');
  expect(await page.textContent('p.order')).toContain('by version');
});
