// `npm run docs:screenshots`: the pictures in docs/console.md, made the way the browser tests see the
// console (the test images pushed by skopeo to a local docker-registry, Ferry on workerd as `npm start`
// runs it, Debian's chromium through playwright-core), at desktop width and at 375 px. Not run by `npm test`.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { requireBinary } from '../test/support/binaries.js';
import { startFerry } from '../test/support/ferry-process.js';
import { startRegistry } from '../test/support/registries.js';
import { buildTestImages, pushTestImage } from '../test/support/test-images.js';

const OUT = fileURLToPath(new URL('../../../docs/console/', import.meta.url));
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 860 },
  { name: 'mobile', width: 375, height: 760 },
];

async function main(): Promise<void> {
  const executablePath = requireBinary('chromium');
  for (const binary of ['docker-registry', 'skopeo']) requireBinary(binary);
  const dir = mkdtempSync(join(tmpdir(), 'ferry-screenshots-'));
  const registry = await startRegistry(dir, 'registry', join(dir, 'storage'), { kind: 'anonymous' });
  const ferry = await startFerry(
    { registries: { [registry.host]: { insecure: true } }, callers: { anonymous: true } },
    {},
    join(dir, 'state'),
    'workerd',
  );
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    for (const image of buildTestImages(join(dir, 'layouts'))) await pushTestImage(registry.host, image);
    const enc = (reference: string) => reference.split('/').map(encodeURIComponent).join('/');
    const repo = (name: string) => `${registry.host}/ferry-test/${name}`;
    mkdirSync(OUT, { recursive: true });

    // One copy through the form, so the jobs list and a finished job's page have something to show.
    const setup = await browser.newPage();
    await setup.goto(`${ferry.base}/console/copy`);
    await setup.getByLabel('Source').fill(`${repo('multiarch')}:v1`);
    await setup.getByLabel('Target').fill(`${registry.host}/demo/multiarch:v1`);
    await setup.getByRole('button', { name: 'Copy' }).click();
    await setup.waitForURL(/\/console\/jobs\/[^/]+$/);
    await setup.waitForFunction(() => document.getElementById('job-state')?.textContent === 'done', undefined, {
      timeout: 60_000,
    });
    const jobPath = new URL(setup.url()).pathname;
    await setup.close();

    const pages: [string, string][] = [
      ['registries', '/console/registries'],
      ['catalog', `/console/catalog/${encodeURIComponent(registry.host)}`],
      ['tags', `/console/tags/${enc(repo('release-a'))}`],
      ['image-index', `/console/image/${enc(`${repo('multiarch')}:v1`)}`],
      ['image-platform', `/console/image/${enc(`${repo('multiarch')}:v1`)}?platform=linux/amd64`],
      ['raw-manifest', `/console/manifest/${enc(`${repo('multiarch')}:v1`)}`],
      [
        'compare',
        `/console/compare?from=${encodeURIComponent(`${repo('release-a')}:v1`)}&to=${encodeURIComponent(`${repo('release-b')}:v1`)}`,
      ],
      ['copy', '/console/copy'],
      ['job', jobPath],
      ['jobs', '/console/jobs'],
      ['audit', '/console/audit'],
    ];
    for (const viewport of VIEWPORTS) {
      const page: Page = await browser.newPage({ viewport: { width: viewport.width, height: viewport.height } });
      for (const [name, path] of pages) {
        const response = await page.goto(`${ferry.base}${path}`);
        if (!response?.ok()) throw new Error(`${path}: ${response?.status()}`);
        const file = join(OUT, `${name}-${viewport.name}.png`);
        await page.screenshot({ path: file });
        console.log(`docs/console/${name}-${viewport.name}.png`);
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await ferry.stop();
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
