// `npm start` keeps its log for what matters: a registry's push notification and a client that hangs up
// mid-stream print no workerd "Broken pipe" lines with native stacks (workerd telling that a peer closed
// its side), while a real failure still prints Ferry's own line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { startFerry } from '../support/ferry-process.js';
import { freePort } from '../support/ports.js';
import { startRegistry } from '../support/registries.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const SECRET = 'quiet-log-receiver-secret-1';

it('a registry notification and a client disconnect print no Broken pipe; a failed request still prints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-quiet-'));
  const stagingPort = await freePort();
  const staging = `127.0.0.1:${stagingPort}`;
  const ferry = await startFerry(
    {
      registries: { [source]: { insecure: true }, [staging]: { insecure: true }, '127.0.0.1:1': { insecure: true } },
      callers: { anonymous: true },
      webhooks: { receivers: { staging: { format: 'distribution', registry: staging, secret: SECRET } } },
      // The notification's arrival shows as this rule's job.
      promotion: {
        rules: [
          {
            name: 'seen',
            source: { repository: `${staging}/app`, tags: { regex: '^v1$' } },
            targets: [{ repository: `${staging}/seen`, tags: ['{tag}'] }],
          },
        ],
      },
    },
    {},
    join(dir, 'state'),
    'workerd',
  );
  const registry = await startRegistry(
    dir,
    'staging',
    join(dir, 'storage'),
    { kind: 'anonymous' },
    {
      port: stagingPort,
      extraYaml: `notifications:\n  endpoints:\n    - name: ferry\n      url: ${ferry.base}/v1/webhooks/staging\n      headers:\n        Authorization: [Bearer ${SECRET}]\n      timeout: 2s\n      threshold: 3\n      backoff: 1s\n`,
    },
  );
  try {
    const post = (body: unknown, init: RequestInit = {}) =>
      fetch(`${ferry.base}/v1/copy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
        body: JSON.stringify(body),
        ...init,
      });
    // A push into the notifying registry (through Ferry): distribution tells Ferry about it.
    const pushed = await post({ source: `${source}/ferry-test/v2s2:v1`, target: `${staging}/app:v1` });
    expect(pushed.status).toBe(200);
    await pushed.text();
    // A client that reads the first event and hangs up.
    const stop = new AbortController();
    const streamed = await post(
      { source: `${source}/ferry-test/large:v1`, target: `${staging}/large:v1` },
      { signal: stop.signal },
    );
    await streamed.body!.getReader().read();
    stop.abort();
    // A real failure.
    expect((await fetch(`${ferry.base}/v1/inspect/127.0.0.1:1/x/y:v1`)).status).toBe(502);
    // Distribution sends its notification once the push is done: wait for the promotion it starts to end.
    let promoted: { state: string } | undefined;
    for (let i = 0; i < 100 && promoted?.state !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      promoted = (
        (await (await fetch(`${ferry.base}/v1/jobs?kind=promote&rule=seen`)).json()) as { jobs: { state: string }[] }
      ).jobs[0];
    }
    expect(promoted?.state).toBe('done');
    await new Promise((r) => setTimeout(r, 300)); // workerd's log lines trail the responses a little
    expect(ferry.output()).toContain('request failed');
    expect(ferry.output(), ferry.output()).not.toContain('Broken pipe');
    expect(ferry.output()).not.toContain('getCaughtExceptionAsKj');
  } finally {
    await ferry.stop();
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
