// The console in chromium (Debian's, through playwright-core) against Ferry served on Node with a
// configuration: one page whose actions fail in seconds when what they wait for never comes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireBinary } from './binaries.js';
import { startFerry, type FerryProcess } from './ferry-process.js';

export interface ConsoleBrowser {
  ferry: FerryProcess;
  page: Page;
  close(): Promise<void>;
}

export async function openConsole(config: Record<string, unknown>): Promise<ConsoleBrowser> {
  const state = mkdtempSync(join(tmpdir(), 'ferry-console-'));
  const [ferry, browser]: [FerryProcess, Browser] = await Promise.all([
    startFerry(config, {}, state, 'node'),
    chromium.launch({ executablePath: requireBinary('chromium'), args: ['--no-sandbox'] }),
  ]);
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  return {
    ferry,
    page,
    async close() {
      await browser.close();
      await ferry.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
