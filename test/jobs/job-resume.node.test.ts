// A copy job survives its process: killed in the middle of a large layer's chunked upload and started
// again, it resumes the upload from the offset it recorded in KV instead of sending the layer again.
// Node picks its unfinished jobs up at start; on workerd (`npm start`) the job is a Workflow instance,
// which the local engine leaves asleep after a kill until Ferry wakes it (its record went silent).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { judge, uniqueRepository } from '../support/copying.js';
import { startFerry, type FerryProcess, type Runtime } from '../support/ferry-process.js';
import type { FaultLogEntry } from '../support/transport-faults.js';

const fixture = inject('fixture');
const CHUNK = 512 * 1024;
const states: string[] = [];
const running: FerryProcess[] = [];
afterAll(async () => {
  for (const f of running) await f.stop();
  for (const state of states) rmSync(state, { recursive: true, force: true });
});

const faultLog = async (id: string): Promise<FaultLogEntry[]> =>
  (await fetch(`http://${fixture.targetFaultProxy}/__faultlog/${id}`)).json();

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Fault-proxy headers that hold the `nth` PATCH to the target until the process dies. */
const holdPatch = (id: string, nth: number) => ({
  insecure: true,
  headers: { 'x-ferry-fault': 'hold-patch', 'x-ferry-fault-id': id, 'x-ferry-fault-arg': String(nth) },
  upload: { mode: 'chunked' as const, chunkSize: CHUNK },
});

/** Copies one platform of the large image into the held target, one blob at a time, with a short silence limit. */
const copyJobConfig = (id: string) => ({
  registries: { [fixture.registries.anonymous.host]: { insecure: true }, [fixture.targetFaultProxy]: holdPatch(id, 4) },
  callers: { anonymous: true },
  copy: { concurrency: 1 },
  jobs: { staleAfterSeconds: 3 },
});

/** Starts that copy as a job ("wait": false); returns the job's URL. */
const submitLargeCopy = (repository: string) => async (base: string) => {
  const accepted = await fetch(`${base}/v1/copy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: `${fixture.registries.anonymous.host}/ferry-test/large:v1`,
      target: `${fixture.targetFaultProxy}/${repository}:v1`,
      platforms: ['linux/amd64'],
      unwrap: true,
      wait: false,
    }),
  });
  expect(accepted.status).toBe(202);
  return ((await accepted.json()) as { url: string }).url;
};

/**
 * Starts Ferry, lets `submit` start a job, waits for the held PATCH, checks the live job keeps its record
 * fresh, kills the process, starts it again on the same state and waits for the job to end.
 */
async function killAndRestart(
  runtime: Runtime,
  config: object,
  env: Record<string, string>,
  faultId: string,
  submit: (base: string) => Promise<string>,
  waitAfterRestart?: () => Promise<unknown>,
) {
  // Both processes share one state directory (KV, and on workerd the Workflow engine's storage).
  const state = mkdtempSync(join(tmpdir(), 'ferry-jobs-'));
  states.push(state);
  const first = await startFerry(config, env, state, runtime);
  running.push(first);
  const jobUrl = await submit(first.base);
  const held = await until('the held PATCH', async () => (await faultLog(faultId)).find((e) => e.note === 'held'));
  // Alive but without progress, the job keeps its record fresh (a heartbeat), so nobody wakes it twice.
  const record = async () =>
    (await (await fetch(`${first.base}${jobUrl}`)).json()) as { state: string; updatedAt: string };
  const before = await record();
  // The next heartbeat, waited for (not slept for): the record moves while the upload is held.
  const later = await until('a heartbeat', async () => {
    const now = await record();
    return Date.parse(now.updatedAt) > Date.parse(before.updatedAt) ? now : undefined;
  });
  expect(later.state).toBe('running');
  expect(Date.parse(later.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
  expect(first.output()).not.toContain('job went silent');
  await first.kill();

  const second = await startFerry(config, env, state, runtime);
  running.push(second);
  // Unattended: nobody asks for the job until it is over (a GET would wake it by itself).
  if (waitAfterRestart) await waitAfterRestart();
  const done = await until('the job to finish', async () => {
    const body = (await (await fetch(`${second.base}${jobUrl}`)).json()) as {
      state: string;
      runs: number;
      error?: unknown;
    };
    return body.state === 'done' || body.state === 'failed' ? body : undefined;
  });
  // Node picks unfinished jobs up at start and runs the job again. On workerd the silent Workflow
  // instance is woken, and replays: the killed blob step runs again, then the job step runs once.
  if (runtime === 'node') {
    expect(done, JSON.stringify(done)).toMatchObject({ state: 'done', runs: 2 });
    expect(second.output()).toContain('jobs: resumed 1 unfinished job(s)');
  } else {
    expect(done, JSON.stringify(done)).toMatchObject({ state: 'done', runs: 1 });
    expect(second.output()).toContain('job went silent: waking it');
  }
  return { held, log: await faultLog(faultId) };
}

it.each<Runtime>(['node', 'workerd'])(
  '%s: a copy job killed mid-layer resumes the chunked upload from its recorded offset after a restart',
  async (runtime) => {
    const id = crypto.randomUUID();
    // The 4th PATCH (the layer's 3rd chunk; the config blob took the 1st) is held until the process dies.
    const config = copyJobConfig(id);
    const repository = uniqueRepository('jobs/resume');
    const { held, log } = await killAndRestart(runtime, config, {}, id, submitLargeCopy(repository));
    expect(held.range).toBe(`${2 * CHUNK}-${3 * CHUNK - 1}`);

    const patches = log.filter((e) => e.note === 'patch' || e.note === 'held');
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
  },
  120_000,
);

it.each<Runtime>(['node', 'workerd'])(
  '%s: a webhook promotion killed mid-layer completes after a restart without uploading any blob twice',
  async (runtime) => {
    const id = crypto.randomUUID();
    const source = fixture.registries.anonymous.host;
    const large = fixture.skopeo.anonymous.large!;
    const prod = uniqueRepository('jobs/promoted');
    const secret = `receiver-${crypto.randomUUID()}`;
    const config = {
      // Both platforms' blobs go to the target one at a time; the 4th PATCH, inside the first layer, is held.
      registries: { [source]: { insecure: true }, [fixture.targetFaultProxy]: holdPatch(id, 4) },
      callers: { anonymous: true },
      copy: { concurrency: 1 },
      jobs: { staleAfterSeconds: 3 },
      webhooks: {
        receivers: { staging: { format: 'distribution', registry: source, secret: { secret: 'STAGING_SECRET' } } },
      },
      promotion: {
        rules: [
          {
            name: 'release',
            source: { repository: `${source}/ferry-test/large`, tags: { exact: 'v1' } },
            targets: [{ repository: `${fixture.targetFaultProxy}/${prod}`, tags: ['{tag}'] }],
            records: 'always', // distribution 2.8: the record through the tag fallback, read below
          },
        ],
      },
    };
    const envelope = {
      events: [
        {
          id: `event-${id}`,
          action: 'push',
          target: {
            mediaType: 'application/vnd.oci.image.index.v1+json',
            digest: large.digest,
            repository: 'ferry-test/large',
            tag: 'v1',
          },
        },
      ],
    };
    const { log } = await killAndRestart(runtime, config, { STAGING_SECRET: secret }, id, async (base) => {
      const accepted = await fetch(`${base}/v1/webhooks/staging`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secret}`,
          'content-type': 'application/vnd.docker.distribution.events.v1+json',
        },
        body: JSON.stringify(envelope),
      });
      expect(accepted.status).toBe(202);
      const { jobs } = (await accepted.json()) as { jobs: string[] };
      expect(jobs).toHaveLength(1);
      return `/v1/jobs/${jobs[0]}`;
    });

    const heldAt = log.findIndex((e) => e.note === 'held');
    const puts = log.filter((e) => e.note === 'put');
    // Some blobs were complete before the kill; every blob was closed exactly once over both processes.
    expect(log.slice(0, heldAt).filter((e) => e.note === 'put').length).toBeGreaterThan(0);
    const digests = puts.map((e) => e.digest);
    expect(new Set(digests).size).toBe(digests.length);
    // The held session went on from the held chunk after the restart.
    const held = log[heldAt]!;
    const next = log.slice(heldAt + 1).find((e) => e.path === held.path);
    expect(next?.range).toBe(held.range);

    const target = `${fixture.targets.anonymous.host}/${prod}`;
    expect((await judge(fixture.judge, 'raw', `${target}:v1`)).raw).toBe(large.raw);
    expect((await judge(fixture.judge, 'copy-all', `${target}:v1`)).ok).toBe(true);
    // The promotion record refers to the promoted digest (tag fallback on distribution 2.8).
    const fallback = await judge(fixture.judge, 'raw', `${target}:${large.digest.replace(':', '-')}`);
    expect(fallback.ok, fallback.error).toBe(true);
    expect(
      JSON.parse(atob(fallback.raw!)).manifests.some(
        (m: { artifactType?: string }) => m.artifactType === 'application/vnd.ferry.promotion.v1+json',
      ),
    ).toBe(true);
  },
  120_000,
);

it('workerd: an unattended job left by a killed `npm start` is woken by the cron sweep', async () => {
  const id = crypto.randomUUID();
  const config = copyJobConfig(id);
  const repository = uniqueRepository('jobs/unattended');
  const tagAtTarget = async () => {
    const head = await fetch(`http://${fixture.targets.anonymous.host}/v2/${repository}/manifests/v1`, {
      method: 'HEAD',
      headers: {
        accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
      },
    });
    return head.status === 200 ? true : undefined;
  };
  // npm start fires wrangler.toml's cron every FERRY_CRON_SECONDS (a minute by default).
  await killAndRestart('workerd', config, { FERRY_CRON_SECONDS: '2' }, id, submitLargeCopy(repository), () =>
    until('the tag at the target', tagAtTarget),
  );
}, 120_000);
