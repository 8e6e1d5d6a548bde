// The same service on every runtime: workerd (npm start), Node, Deno and Bun each serve inspect and
// copy (cold, streaming multi-MiB layers, then warm) against the real registries, with their own KV;
// a streamed copy whose client disconnects goes on as the job its response promised.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { judge, uniqueRepository } from '../support/copying.js';
import { startFerry, type FerryProcess, type Runtime } from '../support/ferry-process.js';

const fixture = inject('fixture');
const source = fixture.registries.token;
const target = fixture.targets.basic;
const config = {
  registries: {
    [source.host]: {
      insecure: true,
      authHosts: source.authHosts,
      credentials: { username: source.username, password: { secret: 'SOURCE_PASSWORD' } },
    },
    [target.host]: {
      insecure: true,
      credentials: { username: target.username, password: { secret: 'TARGET_PASSWORD' } },
    },
    [fixture.registries.anonymous.host]: { insecure: true },
    [fixture.targets.anonymous.host]: { insecure: true },
    // The anonymous registry paced to 1 MiB/s per blob: a copy that cannot end before its client leaves.
    [fixture.faultProxy]: {
      insecure: true,
      headers: { 'x-ferry-fault': 'slow-blob-get', 'x-ferry-fault-arg': String(1024 * 1024) },
    },
  },
  callers: { anonymous: true },
  // Loopback test registries: the operator allows API entries to name them.
  managedRegistries: {
    keys: [{ kid: 'k1', key: { secret: 'SEALING_KEY' } }],
    allowPrivateAddresses: true,
    allowInsecure: true,
  },
};
const secrets = {
  SOURCE_PASSWORD: source.password!,
  TARGET_PASSWORD: target.password!,
  SEALING_KEY: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
};
const managed = fixture.targets.token;
const CANARY = `canary-${crypto.randomUUID()}`;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function copy(ferry: FerryProcess, body: unknown): Promise<any[]> {
  const res = await fetch(`${ferry.base}/v1/copy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe.each(['workerd', 'node', 'deno', 'bun'] as Runtime[])('on %s', (runtime) => {
  it('inspects, copies cold and warm, with its own KV; a copy whose client went away completes as a job; an entry added through the API is used at once', async () => {
    const state = mkdtempSync(join(tmpdir(), `ferry-${runtime}-`));
    dirs.push(state);
    const ferry = await startFerry(config, secrets, state, runtime);
    try {
      expect(ferry.output()).toContain(`ferry listening`);
      const inspect = await fetch(`${ferry.base}/v1/inspect/${source.host}/ferry-test/large:v1?platform=linux/amd64`);
      const summary = await inspect.json();
      expect(inspect.status, JSON.stringify(summary)).toBe(200);
      expect(summary.index.digest).toBe(fixture.skopeo.token.large!.digest);
      expect(summary.totalSize).toBeGreaterThan(3 * 1024 * 1024);

      const repository = uniqueRepository(`runtimes/${runtime}`);
      const request = { source: `${source.host}/ferry-test/large:v1`, target: `${target.host}/${repository}:v1` };
      const cold = await copy(ferry, request);
      expect(cold.at(-1), JSON.stringify(cold.at(-1))).toMatchObject({
        type: 'done',
        result: { digest: fixture.skopeo.token.large!.digest },
      });
      expect(cold.filter((e) => e.type === 'done' && e.blob).length).toBeGreaterThanOrEqual(4);
      const pulled = await judge(
        fixture.judge,
        'copy-all',
        `${target.host}/${repository}:v1`,
        `${target.username}:${target.password}`,
      );
      expect(pulled.ok, pulled.error).toBe(true);

      const warm = await copy(ferry, request);
      expect(warm.map((e) => e.type)).toEqual(['resolved', 'done']);

      // The client of a streamed copy goes away after 300 ms, while its paced 3 MiB layer is still moving
      // (to a registry this process has not copied it to, so nothing can be mounted): the copy completes
      // as the job it was promised.
      const paced = fixture.skopeo.anonymous.large!;
      const gone = uniqueRepository(`runtimes/${runtime}-gone`);
      const client = new AbortController();
      const streamed = await fetch(`${ferry.base}/v1/copy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
        body: JSON.stringify({
          source: `${fixture.faultProxy}/ferry-test/large:v1`,
          target: `${fixture.targets.anonymous.host}/${gone}:v1`,
        }),
        signal: client.signal,
      });
      const promised = streamed.headers.get('ferry-job');
      expect(promised).toMatch(/^\/v1\/jobs\//);
      const reading = streamed.text().catch(() => 'aborted');
      await new Promise((r) => setTimeout(r, 300));
      client.abort();
      expect(await reading).toBe('aborted');
      let job: any;
      for (let i = 0; i < 600 && job?.state !== 'done' && job?.state !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await fetch(`${ferry.base}${promised}`);
        job = res.status === 200 ? await res.json() : undefined;
      }
      expect(job, `${JSON.stringify(job)}\n${ferry.output().slice(-2000)}`).toMatchObject({
        state: 'done',
        reason: 'the client disconnected: the rest of the copy runs as a job',
        result: { digest: paced.digest },
      });

      // A registry entry added through the API is used by the next request; its secrets never show.
      const small = {
        source: `${fixture.registries.anonymous.host}/ferry-test/v2s2:v1`,
        target: `${managed.host}/${uniqueRepository(`runtimes/${runtime}-managed`)}:v1`,
      };
      const unknown = await fetch(`${ferry.base}/v1/copy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(small),
      });
      expect((await unknown.json()).code).toBe('ADDRESS_NOT_ALLOWED');
      const put = await fetch(`${ferry.base}/v1/registries/${managed.host}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          insecure: true,
          authHosts: managed.authHosts,
          credentials: { username: managed.username, password: managed.password },
          headers: { 'x-canary': CANARY },
        }),
      });
      const putText = await put.text();
      expect(put.status, putText).toBe(200);
      const known = await copy(ferry, small);
      expect(known.at(-1), JSON.stringify(known.at(-1))).toMatchObject({
        type: 'done',
        result: { digest: fixture.skopeo.anonymous.v2s2!.digest },
      });
      const shown = await (await fetch(`${ferry.base}/v1/registries/${managed.host}`)).text();
      for (const said of [putText, shown, JSON.stringify(known), ferry.output()])
        for (const secret of [managed.password!, CANARY]) expect(said).not.toContain(secret);
      // The console renders here too.
      const console = await fetch(`${ferry.base}/console/image/${source.host}/ferry-test/large:v1`);
      expect([console.status, console.headers.get('content-type')]).toEqual([200, 'text/html; charset=UTF-8']);
      expect(await console.text()).toContain(fixture.skopeo.token.large!.digest);
      expect(ferry.output()).not.toContain(source.password!);
    } finally {
      await ferry.stop();
    }
  }, 120_000);
});
