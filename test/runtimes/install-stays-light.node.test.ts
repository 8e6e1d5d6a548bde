// User-experience review v2, friction 15: `npm ci` installed Deno and Bun for everyone (195 MB of 523 MB). They
// are out of package.json and its lock; scripts/install-runtimes.sh installs them, pinned, for the tests and
// `npm run start:deno|bun`.

import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

it('npm ci fetches neither Deno nor Bun; the tests and their start scripts install them pinned', () => {
  const pkg = JSON.parse(read('package.json')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
  };
  expect(
    Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => n === 'deno' || n === 'bun'),
  ).toEqual([]);
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, unknown> };
  expect(Object.keys(lock.packages).filter((p) => /node_modules\/(deno|bun|@deno\/|@oven\/)/.test(p))).toEqual([]);
  for (const script of ['test', 'start:deno', 'start:bun'])
    expect(pkg.scripts[script]).toMatch(/^bash scripts\/install-runtimes\.sh && /);
  const installer = read('scripts/install-runtimes.sh');
  expect(installer).toContain('DENO_VERSION=2.9.6');
  expect(installer).toContain('BUN_VERSION=1.4.5');
  expect(installer).toContain('npm install --no-save');
});

it('the README stays a front page: about 150-200 lines, the long material in docs/', () => {
  const readme = read('README.md');
  const lines = readme.trimEnd().split('\n').length;
  expect(lines).toBeGreaterThanOrEqual(150);
  expect(lines).toBeLessThanOrEqual(200);
  for (const page of [
    'configuration',
    'cloud-registries',
    'api',
    'promotions',
    'deploy',
    'troubleshooting',
    'architecture',
  ])
    expect(readme).toContain(`(docs/${page}.md)`);
  expect(read('docs/configuration.md')).toContain('<!-- config-reference:start -->');
  const deploy = read('docs/deploy.md');
  for (const step of [
    'kv namespace create',
    'migration',
    'wrangler secret put',
    '"callers"',
    'wrangler deploy',
    'smoke test',
  ])
    expect(deploy).toContain(step);
});
