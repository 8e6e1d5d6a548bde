// User-experience review v2, friction 6: console errors were dead ends. Pasting a full reference into the
// Repository box answered a raw JSON problem; `/`, `/console/` and unknown console paths answered JSON 404s;
// a Compare or Copy error replaced the form (a typo meant retyping both references), with no "did you mean";
// and a Copy from a missing tag still made a job, which then failed. Driven in chromium.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { uniqueRepository } from '../../support/copying.js';
import { openConsole, type ConsoleBrowser } from '../../support/console-browser.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const multiarch = `${host}/ferry-test/multiarch`;

let opened: ConsoleBrowser;
let ferry: ConsoleBrowser['ferry'];
let page: Page;

beforeAll(async () => {
  opened = await openConsole({
    registries: { [host]: { insecure: true }, [target]: { insecure: true } },
    callers: { anonymous: true },
  });
  ({ ferry, page } = opened);
}, 90_000);

afterAll(() => opened?.close());

it('a full reference pasted into the Repository box opens the image', async () => {
  await page.goto(`${ferry.base}/console/registries`);
  await page.fill('#repository', `${multiarch}:v1`);
  await Promise.all([page.waitForURL(/\/console\/image\//), page.press('#repository', 'Enter')]);
  expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/console/image/${multiarch}:v1`);
  await expect.poll(() => page.textContent('h1')).toContain(`${multiarch}:v1`);
});

it('unknown console paths are an HTML page with a way back; / and /console/ lead to the console', async () => {
  for (const path of ['/console/nope', '/console/tags-of/x']) {
    const answer = await page.goto(`${ferry.base}${path}`);
    expect([answer?.status(), answer?.headers()['content-type']]).toEqual([404, 'text/html; charset=UTF-8']);
    expect(await page.getAttribute('a.way-back', 'href')).toBe('/console/registries');
  }
  for (const path of ['/', '/console/']) {
    const answer = await page.goto(`${ferry.base}${path}`);
    expect([answer?.status(), new URL(page.url()).pathname]).toEqual([200, '/console/registries']);
  }
});

it('a Compare typo keeps both references in the form, says what failed and suggests the near tag', async () => {
  await page.goto(`${ferry.base}/console/compare`);
  await page.fill('#from', `${multiarch}:v1`);
  await page.fill('#to', `${multiarch}:v11`);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  expect(await page.inputValue('#from')).toBe(`${multiarch}:v1`);
  expect(await page.inputValue('#to')).toBe(`${multiarch}:v11`);
  const alert = await page.textContent('[role=alert]');
  expect(alert).toContain('NOT_FOUND');
  expect(alert).toContain('did you mean v1?');
});

it('a Copy from a missing tag keeps the form, suggests the near tag, and makes no job', async () => {
  const to = `${target}/${uniqueRepository('console/kept')}:v1`;
  await page.goto(`${ferry.base}/console/copy`);
  await page.fill('#source', `${multiarch}:v2`);
  await page.fill('#target', to);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  expect(new URL(page.url()).pathname).toBe('/console/copy');
  expect([await page.inputValue('#source'), await page.inputValue('#target')]).toEqual([`${multiarch}:v2`, to]);
  expect(await page.textContent('[role=alert]')).toContain('did you mean v1?');
  const jobs = (await (await fetch(`${ferry.base}/v1/jobs`)).json()) as { jobs: unknown[] };
  expect(jobs.jobs).toEqual([]);
});
