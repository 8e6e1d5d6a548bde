// The README's `npm start` serves /v1/inspect against a local registry (workerd via wrangler, local KV on disk).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { freePort } from './support/ports.js';

const fixture = inject('fixture');
let child: ChildProcess;
let base: string;
let output = '';
const stateDir = mkdtempSync(join(tmpdir(), 'ferry-start-'));

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const config = { registries: { [fixture.registries.basic.host]: { insecure: true, credentials: { username: 'ferry', password: { secret: 'LOCAL_REGISTRY_PASSWORD' } } } } };
  child = spawn('npm', ['start'], {
    env: { ...process.env, PORT: String(port), FERRY_CONFIG: JSON.stringify(config), FERRY_STATE_DIR: stateDir, LOCAL_REGISTRY_PASSWORD: fixture.registries.basic.password! },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const deadline = Date.now() + 60_000;
  while (!output.includes('ferry listening')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 90_000);

afterAll(async () => {
  if (child?.pid) process.kill(-child.pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

it('inspects an image on a registry named by FERRY_CONFIG, with the password taken from the environment', async () => {
  const res = await fetch(`${base}/v1/inspect/${fixture.registries.basic.host}/ferry-test/multiarch:v1`);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.digest).toBe(fixture.skopeo.basic.multiarch!.digest);
  expect(body.manifests).toHaveLength(2);
});

it('answers a problem document for a registry the config does not name', async () => {
  const res = await fetch(`${base}/v1/inspect/${fixture.registries.anonymous.host}/ferry-test/multiarch:v1`);
  expect(res.status).toBe(403);
  expect((await res.json()).code).toBe('ADDRESS_NOT_ALLOWED');
});

it('says at startup that it is not to be exposed, and never prints the password', () => {
  expect(output).toContain('do not expose');
  expect(output).not.toContain(fixture.registries.basic.password!);
});
