// Copies survive what registries do in the wild: resets, stalls, throttling, 5xx bursts, a flaky token
// server; and fail cleanly on what cannot be survived. A fault proxy sits in front of a real registry; skopeo
// judges every copy that completes. (Case 6, flipped bytes, is in copy-failures.test.ts, with verify on and off.)

import { describe, expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import type { FaultLogEntry } from '../support/transport-faults.js';
import { makeService } from '../support/service.js';
import { registryEntry } from '../support/configs.js';

const fixture = inject('fixture');
const target = fixture.targets.anonymous.host;
const LARGE = fixture.skopeo.anonymous.large!;
const MiB = 1024 * 1024;

const faultLog = async (proxy: string, id: string): Promise<FaultLogEntry[]> =>
  (await fetch(`http://${proxy}/__faultlog/${id}`)).json();

function faulty(fault: string, where: 'source' | 'target', extra: Record<string, unknown> = {}) {
  const id = crypto.randomUUID();
  const headers = { 'x-ferry-fault': fault, 'x-ferry-fault-id': id };
  const sourceHost = where === 'source' ? fixture.faultProxy : fixture.registries.anonymous.host;
  const targetHost = where === 'target' ? fixture.targetFaultProxy : target;
  return {
    id,
    sourceHost,
    targetHost,
    config: {
      registries: {
        [sourceHost]: { insecure: true, ...(where === 'source' ? { headers } : {}) },
        [targetHost]: { insecure: true, ...(where === 'target' ? { headers } : {}) },
      },
      copy: { resumeDownloads: true, ...extra },
    },
  };
}

async function copyAndJudge(setup: ReturnType<typeof faulty>, options: Parameters<typeof makeService>[1] = {}) {
  const repository = uniqueRepository('faults/large');
  const service = makeService(setup.config, options);
  const run = await runCopy(service, {
    source: `${setup.sourceHost}/ferry-test/large:v1`,
    target: `${setup.targetHost}/${repository}:v1`,
  });
  expect(run.final.type, JSON.stringify(run.final)).toBe('done');
  expect(run.final.result.digest).toBe(LARGE.digest);
  const pulled = await judge(fixture.judge, 'copy-all', `${target}/${repository}:v1`);
  expect(pulled.ok, pulled.error).toBe(true);
  return { run, service };
}

describe('faults a copy survives', () => {
  it('1. a connection reset during a blob download resumes with a Range request, not a full re-download', async () => {
    const setup = faulty('reset-blob-get', 'source');
    const { run } = await copyAndJudge(setup);
    const gets = (await faultLog(fixture.faultProxy, setup.id)).filter((e) => e.method === 'GET');
    const resets = gets.filter((e) => e.note === 'reset');
    expect(resets.length).toBeGreaterThanOrEqual(2); // both big layers were cut
    for (const cut of resets) {
      const resumed = gets.find((e) => e.path === cut.path && e.range === `bytes=${cut.bytes}-`);
      expect(resumed, `a ranged resume of ${cut.path}`).toBeDefined();
      const total = gets.filter((e) => e.path === cut.path).reduce((sum, e) => sum + e.bytes, 0);
      const size = cut.bytes + resumed!.bytes;
      expect(total).toBe(size); // every byte fetched exactly once
      expect(size).toBeGreaterThan(2 * MiB);
    }
    expect(run.events.filter((e) => e.type === 'resumed').length).toBe(resets.length);
  });

  it('2. a connection reset in the middle of an upload restarts that blob and completes', async () => {
    const setup = faulty('reset-upload', 'target');
    const { run } = await copyAndJudge(setup);
    expect((await faultLog(fixture.targetFaultProxy, setup.id)).filter((e) => e.note === 'reset')).toHaveLength(1);
    expect(run.events.filter((e) => e.type === 'retrying')).toHaveLength(1);
  });

  it('3. 429 with Retry-After: 2 on the first requests: waits as told, then completes', async () => {
    const setup = faulty('throttle', 'source');
    const slept: number[] = [];
    await copyAndJudge(setup, { sleep: async (ms) => void slept.push(ms) });
    expect((await faultLog(fixture.faultProxy, setup.id)).filter((e) => e.status === 429)).toHaveLength(3);
    expect(slept.filter((ms) => ms >= 1900 && ms <= 2000).length).toBeGreaterThanOrEqual(1);
  });

  it('4. a burst of 502/503 completes within the retry budget', async () => {
    const setup = faulty('burst', 'source');
    await copyAndJudge(setup);
    expect((await faultLog(fixture.faultProxy, setup.id)).map((e) => e.status)).toEqual([502, 503, 502, 503]);
  });

  it('5. a body that stalls past the idle timeout is abandoned and resumed', async () => {
    const setup = faulty('stall-blob-get', 'source', { idleTimeoutSeconds: 1 });
    const { run } = await copyAndJudge(setup);
    const log = await faultLog(fixture.faultProxy, setup.id);
    const stalled = log.filter((e) => e.note === 'stalled');
    expect(stalled.length).toBeGreaterThanOrEqual(1);
    expect(log.some((e) => e.range === `bytes=${stalled[0]!.bytes}-`)).toBe(true);
    expect(run.events.some((e) => e.type === 'resumed')).toBe(true);
  }, 30_000);

  it('7. a token endpoint that fails once: completes', async () => {
    const r = fixture.registries.token;
    const repository = uniqueRepository('faults/token');
    const service = makeService({
      registries: {
        [r.host]: registryEntry(r, { credentials: { username: 'flaky', password: r.password } }),
        [target]: { insecure: true },
      },
    });
    const run = await runCopy(service, {
      source: `${r.host}/ferry-test/v2s2:v1`,
      target: `${target}/${repository}:v1`,
    });
    expect(run.final.type, JSON.stringify(run.final)).toBe('done');
    const tokenCalls = service.requests.filter((q) => q.url.includes('/token'));
    expect(tokenCalls.length).toBeGreaterThanOrEqual(2); // the failed one, then the retry
    expect((await judge(fixture.judge, 'copy-all', `${target}/${repository}:v1`)).ok).toBe(true);
  });
});

describe('faults a copy does not survive', () => {
  it('8. a persistent 500 on one blob fails naming it, tags nothing, and cancels its upload', async () => {
    const manifest = JSON.parse(atob(LARGE.raw)).manifests[0];
    const image = Object.values(fixture.skopeo.anonymous.large!.images).find((i) => i.digest === manifest.digest)!;
    const layer = JSON.parse(atob(image.raw)).layers[0].digest as string;
    const setup = faulty('blob-500', 'source');
    const service = makeService({
      ...setup.config,
      registries: {
        ...setup.config.registries,
        [fixture.faultProxy]: {
          insecure: true,
          headers: { 'x-ferry-fault': 'blob-500', 'x-ferry-fault-id': setup.id, 'x-ferry-fault-arg': layer },
        },
      },
    });
    const repository = uniqueRepository('faults/500');
    const run = await runCopy(service, {
      source: `${fixture.faultProxy}/ferry-test/large:v1`,
      target: `${target}/${repository}:v1`,
    });
    expect(run.final).toMatchObject({ type: 'error', code: 'UPSTREAM_UNAVAILABLE', blob: layer });
    expect(service.requests.some((r) => r.method === 'DELETE' && r.url.includes('/blobs/uploads/'))).toBe(true);
    expect(service.requests.some((r) => r.method === 'PUT' && r.url.includes('/manifests/'))).toBe(false);
    expect((await judge(fixture.judge, 'raw', `${target}/${repository}:v1`)).ok).toBe(false);
  });
});
