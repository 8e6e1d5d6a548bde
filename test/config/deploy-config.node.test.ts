// What `wrangler deploy` would deploy: the FerryState Durable Object (SQLite, migrated), the jobs
// Workflow with its step limit, KV, and explicit [limits], as wrangler itself reads wrangler.toml.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { unstable_readConfig } from 'wrangler';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('wrangler deploy --dry-run shows the Durable Object, the Workflow and KV; wrangler reads the [limits]', () => {
  const out = execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', '.tmp/dry-run'], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    encoding: 'utf8',
  });
  expect(out).toMatch(/env\.FERRY_STATE \(FerryState\)\s+Durable Object/);
  expect(out).toMatch(/env\.FERRY_JOBS \(FerryJobWorkflow\)\s+Workflow/);
  expect(out).toMatch(/env\.FERRY_KV \(\w+\)\s+KV Namespace/);

  const config = unstable_readConfig({ config: `${root}wrangler.toml` });
  expect(config.limits).toEqual({ cpu_ms: 300_000, subrequests: 10_000 });
  expect(config.compatibility_flags).toContain('enable_request_signal');
  expect(config.migrations).toContainEqual(expect.objectContaining({ tag: 'v1', new_sqlite_classes: ['FerryState'] }));
  expect(config.workflows).toContainEqual(
    expect.objectContaining({ binding: 'FERRY_JOBS', class_name: 'FerryJobWorkflow', limits: { steps: 10_000 } }),
  );
}, 60_000);
