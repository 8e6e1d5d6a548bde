// User-experience review v2, friction 14: a successful rule dry run offered no "Promote". Now its page has the
// button (a CSRF-checked form); the promotion runs as POST /v1/promote does, and its page links the image it
// wrote. Driven in chromium; crane's digest of the target tag is the judge.

import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { requireGoBinary } from '../../support/binaries.js';
import { openConsole, type ConsoleBrowser } from '../../support/console-browser.js';
import { uniqueRepository } from '../../support/copying.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!.digest;
const prod = `${target}/${uniqueRepository('console/promote')}`;

let opened: ConsoleBrowser;
let page: Page;
beforeAll(async () => {
  opened = await openConsole({
    registries: { [host]: { insecure: true }, [target]: { insecure: true } },
    callers: { anonymous: true },
    promotion: {
      rules: [
        {
          name: 'ship',
          source: { repository: `${host}/ferry-test/*` },
          targets: [{ repository: prod, tags: ['live'] }],
        },
      ],
    },
  });
  page = opened.page;
}, 90_000);
afterAll(() => opened?.close());

it('a dry run that succeeds offers Promote, which promotes and links the result', async () => {
  const source = `${host}/ferry-test/multiarch:v1`;
  await page.goto(`${opened.ferry.base}/console/rules/ship/plan?source=${encodeURIComponent(source)}`);
  await Promise.all([page.waitForLoadState('load'), page.click('form.promote button[type=submit]')]);
  expect(await page.textContent('main')).toContain(`Promoted ${source}@${MULTIARCH} by rule ship`);
  const link = (await page.getAttribute('a.result-link', 'href')) ?? '';
  expect(decodeURIComponent(link)).toBe(`/console/image/${prod}@${MULTIARCH}`);
  const digest = execFileSync(requireGoBinary('crane'), ['digest', '--insecure', `${prod}:live`], { encoding: 'utf8' });
  expect(digest.trim()).toBe(MULTIARCH);
});
