// The README's `npm start` serves /v1/inspect against a local registry (workerd via wrangler, local KV on disk).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';

const fixture = inject('fixture');
let ferry: FerryProcess;
let base: string;
const stateDir = mkdtempSync(join(tmpdir(), 'ferry-start-'));

beforeAll(async () => {
  const config = {
    registries: {
      [fixture.registries.basic.host]: {
        insecure: true,
        credentials: { username: 'ferry', password: { secret: 'LOCAL_REGISTRY_PASSWORD' } },
      },
    },
    callers: { anonymous: true },
  };
  ferry = await startFerry(config, { LOCAL_REGISTRY_PASSWORD: fixture.registries.basic.password! }, stateDir);
  base = ferry.base;
}, 90_000);

afterAll(async () => {
  await ferry?.stop();
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
  expect(ferry.output()).toContain('anonymous callers have every grant');
  expect(ferry.output()).toContain('do not expose');
  expect(ferry.output()).not.toContain(fixture.registries.basic.password!);
});
