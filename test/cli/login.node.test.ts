// User-experience review v2, friction 5: there was no `ferry login`. It writes the file `skopeo login`
// writes (REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/<uid>/auth.json,
// or --authfile), with the same entry skopeo writes; skopeo reads it, and `ferry logout` removes it.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, inject, it } from 'vitest';
import { uniqueRepository } from '../support/copying.js';
import { runFerry } from '../support/ferry-cli.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const basic = fixture.targets.basic;
const home = mkdtempSync(join(tmpdir(), 'ferry-login-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const skopeo = (args: string[], env: Record<string, string>) =>
  promisify(execFile)('skopeo', args, { env: { PATH: process.env.PATH!, HOME: home, ...env } }).then(
    () => 0,
    (error: { code?: number }) => error.code ?? 1,
  );
const authFile = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { auths: Record<string, unknown> };

it('login writes what skopeo login writes, where it writes it; skopeo and ferry read it; logout removes it', async () => {
  const ours = { XDG_RUNTIME_DIR: join(home, 'ferry-runtime') };
  const theirs = { XDG_RUNTIME_DIR: join(home, 'skopeo-runtime') };
  for (const dir of [ours, theirs]) mkdirSync(dir.XDG_RUNTIME_DIR); // skopeo wants it there
  const login = await runFerry(['login', basic.host, '-u', basic.username!, '-p', basic.password!], {
    home,
    env: ours,
  });
  expect(login.code, login.stderr).toBe(0);
  const file = join(ours.XDG_RUNTIME_DIR, 'containers', 'auth.json');
  expect(login.stdout).toBe(`Login Succeeded: credentials for ${basic.host} written to ${file}\n`);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const tls = '--tls-verify=false';
  expect(await skopeo(['login', tls, '-u', basic.username!, '-p', basic.password!, basic.host], theirs)).toBe(0);
  expect(authFile(file)).toEqual(authFile(join(theirs.XDG_RUNTIME_DIR, 'containers', 'auth.json')));

  // Both read it: skopeo lists the tags, ferry copies to the registry.
  const repository = `${basic.host}/${uniqueRepository('cli/login')}`;
  const copied = await runFerry(['copy', `${source}/ferry-test/v2s2:v1`, `${repository}:v1`], { home, env: ours });
  expect(copied.code, copied.stderr).toBe(0);
  expect(await skopeo(['list-tags', tls, `docker://${repository}`], ours)).toBe(0);

  const logout = await runFerry(['logout', basic.host], { home, env: ours });
  expect([logout.code, logout.stdout]).toEqual([0, `Removed login credentials for ${basic.host}\n`]);
  expect(authFile(file).auths).toEqual({});
  expect(await skopeo(['list-tags', tls, `docker://${repository}`], ours)).not.toBe(0);
  const again = await runFerry(['logout', basic.host], { home, env: ours });
  expect([again.code, again.stderr]).toEqual([1, `ferry: NOT_LOGGED_IN: not logged in to ${basic.host} (${file})\n`]);

  // --password-stdin, and --authfile as skopeo takes it; neither -p nor --password-stdin is a usage error.
  const named = join(home, 'named.json');
  const withoutPassword = await runFerry(['login', basic.host, '-u', basic.username!], { home });
  expect([withoutPassword.code, withoutPassword.stderr]).toEqual([2, expect.stringContaining('--password-stdin')]);
  const piped = await runFerry(['login', basic.host, '-u', basic.username!, '--password-stdin', '--authfile', named], {
    home,
    input: `${basic.password}\n`,
  });
  expect(piped.code, piped.stderr).toBe(0);
  expect(authFile(named)).toEqual(authFile(join(theirs.XDG_RUNTIME_DIR, 'containers', 'auth.json')));
});
