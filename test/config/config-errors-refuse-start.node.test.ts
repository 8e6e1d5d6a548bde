// An invalid configuration stops every runtime at start, with every problem printed (path, what is
// expected, "did you mean"), instead of a server that claims to listen and answers 500s. npm start asks
// the worker itself (it validates its own configuration) before it says anything listens.
// Also: FERRY_CONFIG_FILE for local runs, and `npm run config:check` offline.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { runUntilExit, startFerry, type Runtime } from '../support/ferry-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const INVALID = { registries: { '127.0.0.1:5000': { insecrue: true } }, callers: { anonymous: true } };

describe('an invalid configuration refuses to start', () => {
  it.each(['workerd', 'node', 'deno', 'bun'] as Runtime[])(
    '%s',
    async (runtime) => {
      const state = mkdtempSync(join(tmpdir(), `ferry-invalid-${runtime}-`));
      try {
        const { code, output } = await runUntilExit(runtime, {
          FERRY_CONFIG: JSON.stringify(INVALID),
          PORT: String(await freePort()),
          FERRY_STATE_DIR: state,
        });
        expect(code, output).not.toBeNull();
        expect(code, output).not.toBe(0);
        expect(output).toContain('invalid configuration');
        expect(output).toContain('registries["127.0.0.1:5000"]: unknown field "insecrue" (did you mean "insecure"?)');
        expect(output).not.toContain('ferry listening');
        expect(output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // no stack trace
      } finally {
        rmSync(state, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

it('FERRY_CONFIG_FILE names the configuration of a local run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-config-file-'));
  const file = join(dir, 'ferry.json');
  writeFileSync(file, JSON.stringify({ registries: {}, callers: { anonymous: true } }));
  const ferry = await startFerry(undefined, { FERRY_CONFIG_FILE: file }, join(dir, 'state'), 'node');
  try {
    expect(ferry.output()).toContain(`config: FERRY_CONFIG_FILE ${file}`);
    expect((await fetch(`${ferry.base}/healthz`)).status).toBe(200);
  } finally {
    await ferry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);

describe('npm run config:check -- FILE [--env]', () => {
  // The first check goes through npm; the others run the command line it runs (ferry config check).
  let viaNpm = true;
  const check = (file: string, env: Record<string, string> = {}, extra: string[] = []) => {
    const command = viaNpm
      ? ['npm', 'run', '-s', 'config:check', '--']
      : ['node', 'dist/cli/ferry.cjs', 'config', 'check'];
    viaNpm = false;
    return spawnSync(command[0]!, [...command.slice(1), file, ...extra], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
  };

  it('valid: exit 0; an unset secret is a warning unless --env, where it is an error; invalid: exit 1 with every path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-check-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(
        good,
        JSON.stringify({
          registries: { 'ghcr.io': { credentials: { username: 'bot', password: { secret: 'CHECK_GHCR_TOKEN' } } } },
        }),
      );
      const ok = check(good);
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('valid');
      expect(ok.stderr).toContain('CHECK_GHCR_TOKEN');
      const strict = check(good, {}, ['--env']);
      expect(strict.status).toBe(1);
      expect(strict.stderr).toContain(
        'registries["ghcr.io"].credentials.password: secret "CHECK_GHCR_TOKEN" is not set',
      );
      expect(check(good, { CHECK_GHCR_TOKEN: 'x' }, ['--env']).status).toBe(0);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ ...INVALID, cache: { tagTtlSeconds: -1 } }));
      const refused = check(bad);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('did you mean "insecure"');
      expect(refused.stderr).toContain('cache.tagTtlSeconds');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
