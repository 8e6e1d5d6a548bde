// User-experience review v2, friction 13: `npm run config:check` compiled with tsc on every run (13-41 s)
// and there was no `ferry config check`; invalid JSON read "top level: not valid JSON" with no line or
// column; "tagTtlSeconds": "60" read "expected seconds >= 0"; and `npm start` printed each problem twice
// (wrangler's copy, then a plain one) and a "Logs were written to …" line.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { runFerry } from '../support/ferry-cli.js';
import { runUntilExit } from '../support/ferry-process.js';
import { freePort } from '../support/ports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ferry-config-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const BROKEN_JSON = '{\n  "registries": {\n    "ghcr.io": {}\n    "quay.io": {}\n  }\n}\n';
const WRONG_TYPES = JSON.stringify({
  cache: { tagTtlSeconds: '60' },
  registries: { '127.0.0.1:5000': { insecrue: true } },
  callers: { anonymous: 'yes' },
});

it('ferry config check: valid, invalid JSON with its line and column, wrong types with expected and received', async () => {
  const ok = await runFerry(['config', 'check', file('ok.json', '{"callers": {"anonymous": true}}')], { home: dir });
  expect([ok.code, ok.stdout]).toEqual([0, `${join(dir, 'ok.json')}: valid\n`]);
  const broken = await runFerry(['config', 'check', file('broken.json', BROKEN_JSON)], { home: dir });
  expect(broken.code).toBe(1);
  expect(broken.stderr).toContain('top level: not valid JSON at line 4, column 5');
  const typed = await runFerry(['config', 'check', file('typed.json', WRONG_TYPES)], { home: dir });
  expect(typed.code).toBe(1);
  expect(typed.stderr).toContain('cache.tagTtlSeconds: expected number, received string');
  expect(typed.stderr).toContain('callers.anonymous: expected boolean, received string');
  expect(typed.stderr).toContain('unknown field "insecrue" (did you mean "insecure"?)');
});

it('npm run config:check runs the shipped command line: no compile, the same answer', () => {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts['config:check']!;
  expect(script).not.toMatch(/\btsc\b/);
  const run = spawnSync('npm', ['run', '-s', 'config:check', '--', file('typed2.json', WRONG_TYPES)], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('cache.tagTtlSeconds: expected number, received string');
});

it('npm start prints each problem of an invalid configuration once, and nothing about log files', async () => {
  const { code, output } = await runUntilExit('workerd', {
    FERRY_CONFIG: WRONG_TYPES,
    PORT: String(await freePort()),
    FERRY_STATE_DIR: join(dir, 'state'),
  });
  expect(code, output).not.toBe(0);
  expect(output.split('cache.tagTtlSeconds: expected number, received string').length - 1, output).toBe(1);
  expect(output.split('did you mean "insecure"').length - 1, output).toBe(1);
  expect(output).not.toContain('Logs were written');
}, 120_000);
