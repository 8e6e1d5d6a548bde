// A copy job survives its process: killed in the middle of a large layer's chunked upload and started
// again, it resumes the upload from the offset it recorded in KV instead of sending the layer again.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { judge, uniqueRepository } from './support/copying.js';
import { startFerry, type FerryProcess } from './support/ferry-process.js';
import type { FaultLogEntry } from './support/transport-faults.js';

const fixture = inject('fixture');
const CHUNK = 512 * 1024;
const state = mkdtempSync(join(tmpdir(), 'ferry-jobs-'));
const running: FerryProcess[] = [];
afterAll(async () => {
  for (const f of running) await f.stop();
  rmSync(state, { recursive: true, force: true });
});

const faultLog = async (id: string): Promise<FaultLogEntry[]> => (await fetch(`http://${fixture.targetFaultProxy}/__faultlog/${id}`)).json();

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('a job killed mid-layer resumes the chunked upload from its recorded offset after a restart', async () => {
  const id = crypto.randomUUID();
  const config = {
    registries: {
      [fixture.registries.anonymous.host]: { insecure: true },
      // The 4th PATCH (the layer's 3rd chunk; the config blob took the 1st) is held until the process dies.
      [fixture.targetFaultProxy]: { insecure: true, headers: { 'x-ferry-fault': 'hold-patch', 'x-ferry-fault-id': id, 'x-ferry-fault-arg': '4' }, upload: { mode: 'chunked', chunkSize: CHUNK } },
    },
    callers: { anonymous: true },
    copy: { concurrency: 1 },
  };
  const repository = uniqueRepository('jobs/resume');
  const first = await startFerry(config, {}, state, 'node');
  running.push(first);
  const accepted = await fetch(`${first.base}/v1/copy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${fixture.registries.anonymous.host}/ferry-test/large:v1`, target: `${fixture.targetFaultProxy}/${repository}:v1`, platforms: ['linux/amd64'], unwrap: true, wait: false }),
  });
  expect(accepted.status).toBe(202);
  const job = (await accepted.json()) as { id: string; url: string };

  const held = await until('the held PATCH', async () => (await faultLog(id)).find((e) => e.note === 'held'));
  expect(held.range).toBe(`${2 * CHUNK}-${3 * CHUNK - 1}`);
  await first.kill();

  const second = await startFerry(config, {}, state, 'node');
  running.push(second);
  const done = await until('the job to finish', async () => {
    const res = await fetch(`${second.base}${job.url}`);
    const body = (await res.json()) as { state: string; runs: number; error?: unknown };
    return body.state === 'done' || body.state === 'failed' ? body : undefined;
  });
  expect(done, JSON.stringify(done)).toMatchObject({ state: 'done', runs: 2 });
  expect(second.output()).toContain('jobs: resumed 1 unfinished job(s)');

  const patches = (await faultLog(id)).filter((e) => e.note === 'patch' || e.note === 'held');
  const heldAt = patches.findIndex((e) => e.note === 'held');
  const after = patches.slice(heldAt + 1);
  // The first PATCH after the restart starts where the registry stood: nothing sent twice.
  expect(after[0]!.range).toBe(`${2 * CHUNK}-${3 * CHUNK - 1}`);
  const layerSize = Number(patches.at(-1)!.range!.split('-')[1]) + 1;
  const resent = after.reduce((sum, e) => sum + e.bytes, 0);
  expect(layerSize).toBeGreaterThan(3 * 1024 * 1024);
  expect(resent).toBe(layerSize - 2 * CHUNK);

  const pulled = await judge(fixture.judge, 'copy-all', `${fixture.targets.anonymous.host}/${repository}:v1`);
  expect(pulled.ok, pulled.error).toBe(true);
}, 120_000);
