// User-experience review v2, friction 14: the job page was text only (no progress bar, no elapsed time or
// rate, no link to the image it wrote), the rule dry run's header named the digest twice, and an empty
// Rules page was a bare table header. Driven in chromium against the service on Node.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { requireBinary } from '../../support/binaries.js';
import { uniqueRepository } from '../../support/copying.js';
import { startFerry, type FerryProcess } from '../../support/ferry-process.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!.digest;

let browser: Browser;
let page: Page;
const started: FerryProcess[] = [];
const dirs: string[] = [];

async function serve(extra: Record<string, unknown>): Promise<FerryProcess> {
  const state = mkdtempSync(join(tmpdir(), 'ferry-console-jobs-'));
  dirs.push(state);
  const config = {
    registries: { [host]: { insecure: true }, [target]: { insecure: true } },
    callers: { anonymous: true },
    ...extra,
  };
  const ferry = await startFerry(config, {}, state, 'node');
  started.push(ferry);
  return ferry;
}

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: requireBinary('chromium'), args: ['--no-sandbox'] });
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  for (const ferry of started) await ferry.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('a job page shows a progress bar, the elapsed time and rate, and links the image it wrote', async () => {
  const ferry = await serve({});
  const to = `${target}/${uniqueRepository('console/job-page')}`;
  await page.goto(`${ferry.base}/console/copy`);
  await page.fill('#source', `${host}/ferry-test/multiarch:v1`);
  await page.fill('#target', `${to}:v1`);
  await Promise.all([page.waitForURL(/\/console\/jobs\/[^/]+$/), page.click('form.stacked button[type=submit]')]);
  // The page reloads itself when the job ends (console.js): the finished page, rendered by the server, links
  // what it wrote. (Reloading it here as well raced that reload: ERR_ABORTED.)
  await page.waitForSelector('a.result-link', { timeout: 30_000 });
  expect(await page.textContent('#job-state')).toBe('done');
  const bar = await page.$eval('progress#job-bar', (p) => [
    (p as HTMLProgressElement).value,
    (p as HTMLProgressElement).max,
  ]);
  expect(bar[0]).toBe(bar[1]);
  expect(bar[1]).toBeGreaterThan(0);
  expect(await page.textContent('#job-elapsed')).toMatch(/^\d+(\.\d)? s$/);
  expect(await page.textContent('#job-rate')).toMatch(/^[\d.]+ (B|KiB|MiB)\/s$/);
  const link = (await page.getAttribute('a.result-link', 'href')) ?? '';
  expect(decodeURIComponent(link)).toBe(`/console/image/${to}@${MULTIARCH}`);
});

it('the rule dry run names the digest once; an empty Rules page says how to add one', async () => {
  const empty = await serve({});
  await page.goto(`${empty.base}/console/rules`);
  expect(await page.$('table#rules')).toBeNull();
  expect(await page.textContent('main')).toContain('No promotion rules you may use yet');
  const prod = `${target}/${uniqueRepository('console/plan')}`;
  const ruled = await serve({
    promotion: {
      rules: [
        {
          name: 'ship',
          source: { repository: `${host}/ferry-test/*` },
          targets: [{ repository: prod, tags: ['latest'] }],
        },
      ],
    },
  });
  await page.goto(
    `${ruled.base}/console/rules/ship/plan?source=${encodeURIComponent(`${host}/ferry-test/multiarch:v1`)}`,
  );
  const header = (await page.textContent('#plan-source')) ?? '';
  expect(header).toBe(`${host}/ferry-test/multiarch:v1@${MULTIARCH}`);
  expect(header.split('@sha256:')).toHaveLength(2);
});
