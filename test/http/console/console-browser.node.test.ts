// The console in a real browser (Debian's chromium through playwright-core) against the service on
// workerd (npm start) and the real registries: sign in with an API key, open a repository, browse to an
// image and its platform, compare two releases, see an action refused for a key without the grant. The
// platform and layer digests shown are skopeo's; no console error (a CSP violation would be one); every
// form control has a label and is reached with the keyboard.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { computeDigest } from '../../../src/registry/digest.js';
import { requireBinary } from '../../support/binaries.js';
import { startFerry, type FerryProcess } from '../../support/ferry-process.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;
const hash = async (k: string) => (await computeDigest(new TextEncoder().encode(k))).slice(7);

let ferry: FerryProcess;
let browser: Browser;
let state: string;

beforeAll(async () => {
  const executablePath = requireBinary('chromium');
  state = mkdtempSync(join(tmpdir(), 'ferry-console-'));
  const config = {
    registries: {
      [host]: { insecure: true },
      [fixture.targets.anonymous.host]: { insecure: true },
      // A slow source: a copy that runs long enough to be cancelled from its page.
      [fixture.faultProxy]: {
        insecure: true,
        headers: { 'x-ferry-fault': 'slow-blob-get', 'x-ferry-fault-arg': String(128 * 1024) },
      },
    },
    console: { sessionSecret: { secret: 'CONSOLE_SECRET' } },
    callers: {
      apiKeys: [
        { name: 'reader', sha256: await hash('reader-browser-key') },
        { name: 'narrow', sha256: await hash('narrow-browser-key') },
      ],
      grants: [
        { apiKey: 'reader', actions: ['inspect'], repositories: [`${host}/**`, `${fixture.faultProxy}/**`] },
        { apiKey: 'reader', actions: ['copy'], repositories: [`${fixture.targets.anonymous.host}/console/**`] },
        { apiKey: 'narrow', actions: ['inspect'], repositories: [`${host}/ferry-test/release-*`] },
      ],
    },
  };
  [ferry, browser] = await Promise.all([
    startFerry(config, { CONSOLE_SECRET: 'browser-console-secret-0123456789abcdef' }, state, 'workerd'),
    chromium.launch({ executablePath, args: ['--no-sandbox'] }),
  ]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await ferry?.stop();
  rmSync(state, { recursive: true, force: true });
});

/** Every visible form control has a label, and Tab reaches each of them and every link and button. */
async function checkAccessible(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  const unlabelled = await page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
    els.filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label')).map((e) => e.outerHTML),
  );
  expect(unlabelled).toEqual([]);
  // A click that navigates may leave the next document still empty here (seen on a busy CI machine): every
  // console page has a link, so wait for one.
  const count = () => page.$$eval('a[href], button, input:not([type=hidden]), select, textarea', (els) => els.length);
  await expect.poll(count, { timeout: 10_000 }).toBeGreaterThan(0);
  await page.waitForLoadState('load');
  const focusable = await count();
  const reached = new Set<string>();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < focusable + 2; i++) {
    await page.keyboard.press('Tab');
    reached.add(
      await page.evaluate(() => {
        const e = document.activeElement;
        return e && e !== document.body ? e.outerHTML : '';
      }),
    );
  }
  reached.delete('');
  expect(reached.size).toBe(focusable);
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${ferry.base}/console`);
  expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  await checkAccessible(page);
  await page.getByLabel('API key').fill(key);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/console\/registries$/);
}

it("signs in, browses to an image and its platform (skopeo's digests), compares two tags; no console error", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await signIn(page, 'reader-browser-key');
    await checkAccessible(page);
    await page.getByLabel('Repository').fill(`${host}/ferry-test/multiarch`);
    await page.getByRole('button', { name: 'List tags' }).click();
    await checkAccessible(page);
    await page.getByRole('link', { name: 'v1', exact: true }).click();
    await checkAccessible(page);
    const view = fixture.skopeo.anonymous.multiarch!;
    const children = (
      JSON.parse(Buffer.from(view.raw, 'base64').toString()) as { manifests: { digest: string }[] }
    ).manifests.map((m) => m.digest);
    expect(await page.locator('#platforms a.digest').allTextContents()).toEqual(children);
    expect(await page.locator('[data-digest] code').textContent()).toBe(view.digest);
    // console.js shows the copy buttons where the clipboard API is (loopback is a secure context).
    await expect.poll(() => page.locator(`button[data-copy="${view.digest}"]`).isVisible()).toBe(true);
    await page.locator('#platforms a.digest').first().click();
    const image = view.images[children[0]!]!;
    expect(await page.locator('#layers code.digest').allTextContents()).toEqual(image.summary.Layers);
    await checkAccessible(page);

    await page.getByRole('link', { name: 'Compare' }).click();
    await checkAccessible(page);
    await page.getByLabel('From').fill(`${host}/ferry-test/release-a:v1`);
    await page.getByLabel('To').fill(`${host}/ferry-test/release-b:v1`);
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect.poll(() => page.locator('#diff .added').first().textContent()).toBe('+ linux/s390x');
    expect(await page.locator('#diff').textContent()).toContain('~ label version: 1 → 2');
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
}, 60_000);

it('a key without the grant sees the refusal, not the image; signing out ends the session', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await signIn(page, 'narrow-browser-key');
    const response = await page.goto(`${ferry.base}/console/image/${host}/ferry-test/multiarch:v1`);
    expect(response?.status()).toBe(403);
    expect(await page.getByRole('alert').textContent()).toMatch(/^FORBIDDEN: caller key:narrow has no "inspect" grant/);
    expect(await page.content()).not.toContain(fixture.skopeo.anonymous.multiarch!.digest);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in$/);
    await page.goto(`${ferry.base}/console/registries`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
}, 60_000);

it('starts a copy from the form and watches it finish live; cancels a running one; no console error', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  const target = `${fixture.targets.anonymous.host}/console/${crypto.randomUUID().slice(0, 8)}`;
  try {
    await signIn(page, 'reader-browser-key');
    await page.getByRole('link', { name: 'Copy', exact: true }).click();
    await checkAccessible(page);
    await page.getByLabel('Source').fill(`${host}/ferry-test/multiarch:v1`);
    await page.getByLabel('Target').fill(`${target}:v1`);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.waitForURL(/\/console\/jobs\/[^/]+$/);
    await expect.poll(() => page.locator('#job-state').textContent(), { timeout: 30_000 }).toBe('done');
    expect(await page.locator('.result').textContent()).toContain(`@${fixture.skopeo.anonymous.multiarch!.digest}`);

    // A slow copy (128 KiB/s): cancelled from its page while it runs.
    await page.goto(`${ferry.base}/console/copy`);
    await page.getByLabel('Source').fill(`${fixture.faultProxy}/ferry-test/large:v1`);
    await page.getByLabel('Target').fill(`${target}-slow:v1`);
    await page.getByLabel('Platforms (comma-separated; empty: all)').fill('linux/amd64');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.waitForURL(/\/console\/jobs\/[^/]+$/);
    // Live per-blob progress: a bar for the blob moving now, filling as its bytes arrive (over SSE).
    const bar = page.locator('#job-blobs progress').first();
    await expect
      .poll(async () => Number((await bar.getAttribute('value').catch(() => null)) ?? 0), { timeout: 30_000 })
      .toBeGreaterThan(0);
    expect(await page.locator('#job-progress').textContent()).toMatch(
      /^\d+\/\d+ blobs, [\d.]+ (B|KiB|MiB) of [\d.]+ (KiB|MiB)$/,
    );
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await expect.poll(() => page.locator('#job-state').textContent(), { timeout: 30_000 }).toBe('cancelled');
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
}, 90_000);
