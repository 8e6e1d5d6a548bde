// In a Workflow job, a blob bound for a chunked target and larger than jobs.stepBytes is uploaded over
// several steps, each starting where the previous step's output says; a step cut off mid-blob is run
// again from that output and goes on from what the registry holds, sending no byte twice.

import { runtimeName } from '@test-runtime';
import { describe, expect, inject, it } from 'vitest';
import type { FetchLike } from '../../src/deps.js';
import { judge, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const MiB = 1024 * 1024;

describe.runIf(runtimeName === 'workerd')('a blob larger than a step', () => {
  it('a 64 MiB blob in 1 MiB chunks spans 8 steps and survives a step cut off mid-blob', async () => {
    const { repository, tag, digest, layer } = fixture.bulk.big;
    let patches = 0;
    let patchedBytes = 0;
    // The layer's 12th chunk (in the second step) never leaves: the step's connection dies, as when its
    // isolate is killed. Its chunks are the PATCHes of 1 MiB; the config blob's one chunk is smaller.
    const cutting: FetchLike = async (input, init) => {
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      if (method === 'PATCH') {
        const length = Number(new Headers(init?.headers).get('content-length'));
        if (length === MiB && ++patches === 12) {
          // As a fetch whose connection died: the request body is dropped, then the error.
          await (init?.body as ReadableStream | undefined)?.cancel().catch(() => undefined);
          throw new TypeError('Network connection lost.');
        }
        patchedBytes += length;
      }
      return fetch(input, init);
    };
    const service = makeService(
      {
        registries: {
          [source]: { insecure: true },
          [target]: { insecure: true, upload: { mode: 'chunked', chunkSize: MiB } },
        },
        jobs: { stepBytes: 8 * MiB },
      },
      { jobs: true, fetch: cutting },
    );
    const prod = uniqueRepository('spans/big');
    const answer = await service.app.request('/v1/copy', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${source}/${repository}:${tag}`, target: `${target}/${prod}:v1`, wait: false }),
    });
    const { id } = (await answer.json()) as { id: string };
    const job = await waitForJob(service, id, {}, 60);
    expect(job, JSON.stringify(job)).toMatchObject({ state: 'done', result: { digest } });
    expect((await judge(fixture.judge, 'raw', `${target}/${prod}:v1`)).raw).toBe(
      (await judge(fixture.judge, 'raw', `${source}/${repository}:${tag}`)).raw,
    );

    // The layer went in 8 steps of at most 8 MiB, each handing the next its offset. The second step was cut
    // off after 3 chunks (at 11 MiB); run again, it went on from there, not from its input's 8 MiB.
    const results = service.workflows!.instances.get(id)!.results;
    const parts = [...results.keys()].filter((name) => name.includes(layer.digest));
    expect(parts).toEqual([
      `blob ${target}/${prod} ${layer.digest}`,
      ...[2, 3, 4, 5, 6, 7, 8].map((n) => `blob ${target}/${prod} ${layer.digest} part ${n}`),
    ]);
    expect(parts.slice(0, -1).map((name) => (results.get(name) as { offset: number }).offset / MiB)).toEqual([
      8, 19, 27, 35, 43, 51, 59,
    ]);
    expect(results.get(parts.at(-1)!)).toBe('done');
    // Every byte of the layer was sent once: nothing started over.
    expect(patches).toBe(65);
    expect(patchedBytes - layer.size).toBeGreaterThanOrEqual(0);
    expect(patchedBytes - layer.size).toBeLessThan(MiB); // the config blob's one chunk
  }, 90_000);
});
