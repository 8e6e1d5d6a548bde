// User-experience review v2, friction 9: in remote mode `promote` printed its whole JSON plan (with -q
// too), `jobs` and `rules` printed raw JSON, `jobs watch` printed "running 4/6 blobs" and no result, and
// the errors said "fetch failed" (no URL) and "send Authorization: Bearer …" (not "set FERRY_TOKEN").
// Now: readable text by default, JSON with --json, nothing with -q, and errors that say what to do.

import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { uniqueRepository } from '../support/copying.js';
import { localRegistries } from '../support/configs.js';
import { runFerry } from '../support/ferry-cli.js';
import { freePort } from '../support/ports.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const V2S2 = fixture.skopeo.anonymous.v2s2!;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!;
const TOKEN = `ferry-remote-output-${crypto.randomUUID()}`;

const home = mkdtempSync(join(tmpdir(), 'ferry-remote-output-'));
let server: ReturnType<typeof serve>;
let url: string;
beforeAll(async () => {
  const sha256 = (await computeDigest(new TextEncoder().encode(TOKEN))).slice(7);
  const service = makeService(
    {
      registries: localRegistries(source, target),
      callers: {
        apiKeys: [{ name: 'cli', sha256 }],
        grants: [{ apiKey: 'cli', actions: ['admin'], repositories: ['**/**'] }],
      },
    },
    { jobs: true },
  );
  server = serve({ fetch: service.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((r) => setTimeout(r, 50));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
  rmSync(home, { recursive: true, force: true });
});

const ferry = (...args: string[]) => runFerry(args, { home, env: { FERRY_URL: url, FERRY_TOKEN: TOKEN } });

it('rules and promote print text, --json JSON, -q nothing', async () => {
  const staging = `${target}/${uniqueRepository('out/stage')}`;
  const prod = `${target}/${uniqueRepository('out/prod')}`;
  expect((await ferry('copy', `${source}/ferry-test/v2s2:v1`, `${staging}:v7`)).code).toBe(0);
  const file = join(home, 'rule.json');
  writeFileSync(
    file,
    JSON.stringify({
      source: { repository: staging, tags: { regex: '^v[0-9]+$' } },
      targets: [{ repository: prod, tags: ['{tag}', 'latest'] }],
    }),
  );
  const name = `out-${crypto.randomUUID().slice(0, 8)}`;
  expect((await ferry('rules', 'put', name, file)).stdout).toBe(`rule ${name} stored\n`);
  const listed = await ferry('rules', 'ls');
  expect(listed.stdout).toMatch(new RegExp(`^NAME +SOURCE +TARGETS\n(.*\n)*${name} +${staging} +${prod}\n`));
  expect(JSON.parse((await ferry('rules', 'ls', '--json')).stdout).rules.map((r: any) => r.name)).toContain(name);
  expect((await ferry('rules', 'ls', '-q')).stdout).toBe('');

  const planned = await ferry('promote', `${staging}:v7`, '--rule', name, '--dry-run');
  expect(planned.stdout).toBe(
    `would promote ${staging}:v7@${V2S2.digest} by rule ${name}\n` + `  create ${prod}:v7\n  create ${prod}:latest\n`,
  );
  const quiet = await ferry('promote', `${staging}:v7`, '--rule', name, '-q');
  expect([quiet.code, quiet.stdout]).toEqual([0, '']);
  const again = await ferry('promote', `${staging}:v7`, '--rule', name, '--json');
  expect(JSON.parse(again.stdout).plan.steps.map((s: { action: string }) => s.action)).toEqual([
    'unchanged',
    'unchanged',
  ]);
  const text = await ferry('promote', `${staging}:v7`, '--rule', name);
  expect(text.stdout).toBe(
    `promoted ${staging}:v7@${V2S2.digest} by rule ${name}\n` + `  unchanged ${prod}:v7\n  unchanged ${prod}:latest\n`,
  );
});

it('jobs lists source -> target; jobs watch shows bytes and rate and ends with target@digest', async () => {
  const to = `${target}/${uniqueRepository('out/jobbed')}`;
  const submitted = await ferry('copy', `${source}/ferry-test/multiarch:v1`, `${to}:v1`, '--wait=false');
  const id = /^job (\S+) /.exec(submitted.stdout)?.[1];
  expect(id, submitted.stderr).toBeTruthy();
  const watched = await ferry('jobs', 'watch', id!);
  expect(watched.code, watched.stderr).toBe(0);
  const lines = watched.stdout.trim().split('\n');
  expect(lines.at(-1)).toBe(`${to}@${MULTIARCH.digest} tagged v1`);
  expect(lines.at(-2)).toMatch(
    new RegExp(`^job ${id} done: \\d+/\\d+ blobs, [0-9.]+ (B|KiB|MiB)( / [0-9.]+ (B|KiB|MiB))? in [0-9.]+s`),
  );
  const listed = await ferry('jobs');
  expect(listed.stdout).toMatch(/^ID +KIND +STATE +CREATED +WHAT\n/);
  expect(listed.stdout).toMatch(
    new RegExp(`\n${id} +copy +done +\\S+ +${source}/ferry-test/multiarch:v1 -> ${to}:v1\n`),
  );
  const shown = await ferry('jobs', 'get', id!);
  expect(shown.stdout).toContain(`State     done`);
  expect(shown.stdout).toContain(`Result    ${to}@${MULTIARCH.digest} tagged v1`);
  expect(JSON.parse((await ferry('jobs', 'get', id!, '--json')).stdout).state).toBe('done');
});

it('a server that is down is named with its address; a missing token says to set FERRY_TOKEN', async () => {
  const down = `http://127.0.0.1:${await freePort()}`;
  const refused = await runFerry(['tags', `${source}/ferry-test/v2s2`, '--server', down], { home });
  expect([refused.code, refused.stderr]).toEqual([
    1,
    `ferry: cannot reach the Ferry service at ${down}: connection refused\n`,
  ]);
  const anonymous = await runFerry(['tags', `${source}/ferry-test/v2s2`], { home, env: { FERRY_URL: url } });
  expect(anonymous.code).toBe(1);
  expect(anonymous.stderr).toContain('UNAUTHENTICATED');
  expect(anonymous.stderr).toContain('set FERRY_TOKEN to an API key');
});
