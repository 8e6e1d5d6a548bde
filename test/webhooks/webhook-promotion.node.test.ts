// A staging docker-registry notifies Ferry of pushes; a rule promotes matching tags, by digest, to
// production. The registry's own notification client calls Ferry over HTTP.

import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { judge, uniqueRepository } from '../support/copying.js';
import { freePort } from '../support/ports.js';
import { startRegistry, type RunningRegistry } from '../support/registries.js';
import { makeService, type TestService } from '../support/service.js';
import { skopeoCopy } from '../support/skopeo.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const SECRET = 'receiver-secret-5b8e2f0c91';
const prodHost = fixture.targets.anonymous.host;
const prod = uniqueRepository('prod/promoted');
const dir = mkdtempSync(join(tmpdir(), 'ferry-webhook-'));
let staging: RunningRegistry;
let server: ServerType;
let service: TestService;
let ferryUrl: string;

beforeAll(async () => {
  const stagingPort = await freePort();
  const stagingHost = `127.0.0.1:${stagingPort}`;
  service = makeService(
    {
      registries: localRegistries(stagingHost, prodHost),
      webhooks: {
        receivers: { staging: { format: 'distribution', registry: stagingHost, secret: { secret: 'STAGING_SECRET' } } },
      },
      promotion: {
        rules: [
          {
            name: 'release',
            source: { repository: `${stagingHost}/app`, tags: { semver: '>=1.0.0' } },
            targets: [{ repository: `${prodHost}/${prod}`, tags: ['{tag}', 'latest'] }],
            records: 'always', // distribution 2.8: the record through the tag fallback
          },
        ],
      },
    },
    { jobs: true, secrets: { STAGING_SECRET: SECRET } },
  );
  server = serve({ fetch: service.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((r) => setTimeout(r, 50));
  ferryUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  staging = await startRegistry(
    dir,
    'staging',
    join(dir, 'storage'),
    { kind: 'anonymous' },
    {
      port: stagingPort,
      extraYaml: `notifications:\n  endpoints:\n    - name: ferry\n      url: ${ferryUrl}/v1/webhooks/staging\n      headers:\n        Authorization: [Bearer ${SECRET}]\n      timeout: 2s\n      threshold: 3\n      backoff: 1s\n`,
    },
  );
}, 60_000);

afterAll(async () => {
  await staging?.stop();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

it('pushing 1.2.3 to staging promotes it to production by digest; 1.2.3-rc1 is left alone', async () => {
  await skopeoCopy(
    `docker://${fixture.registries.anonymous.host}/ferry-test/multiarch:v1`,
    `docker://${staging.host}/app:1.2.3-rc1`,
  );
  await skopeoCopy(
    `docker://${fixture.registries.anonymous.host}/ferry-test/multiarch:v1`,
    `docker://${staging.host}/app:1.2.3`,
  );
  const promoted = await until(async () => {
    const raw = await judge(fixture.judge, 'raw', `${prodHost}/${prod}:1.2.3`);
    return raw.ok ? raw : undefined;
  });
  expect(promoted.raw).toBe(fixture.skopeo.anonymous.multiarch!.raw);
  expect((await judge(fixture.judge, 'raw', `${prodHost}/${prod}:latest`)).raw).toBe(
    fixture.skopeo.anonymous.multiarch!.raw,
  );
  expect((await judge(fixture.judge, 'copy-all', `${prodHost}/${prod}:1.2.3`)).ok).toBe(true);
  expect((await judge(fixture.judge, 'raw', `${prodHost}/${prod}:1.2.3-rc1`)).ok).toBe(false);
  // The promotion record is a referrer of the promoted digest (the tag fallback on distribution 2.8).
  const digest = fixture.skopeo.anonymous.multiarch!.digest;
  const fallback = await until(async () => {
    const raw = await judge(fixture.judge, 'raw', `${prodHost}/${prod}:${digest.replace(':', '-')}`);
    return raw.ok ? raw : undefined;
  });
  const referrer = JSON.parse(atob(fallback.raw!)).manifests.find(
    (m: { artifactType?: string }) => m.artifactType === 'application/vnd.ferry.promotion.v1+json',
  );
  const artifact = JSON.parse(atob((await judge(fixture.judge, 'raw', `${prodHost}/${prod}@${referrer.digest}`)).raw!));
  expect(artifact.subject.digest).toBe(digest);
  const record = await (await fetch(`http://${prodHost}/v2/${prod}/blobs/${artifact.layers[0].digest}`)).json();
  expect(record).toMatchObject({ rule: 'release', digest, tags: ['1.2.3', 'latest'] });
}, 60_000);

it('a redelivered event runs once; a wrong secret is refused', async () => {
  const envelope = {
    events: [
      {
        id: `event-${crypto.randomUUID()}`,
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          digest: fixture.skopeo.anonymous.multiarch!.digest,
          repository: 'app',
          tag: '1.2.3',
        },
      },
    ],
  };
  const post = (secret: string) =>
    fetch(`${ferryUrl}/v1/webhooks/staging`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'application/vnd.docker.distribution.events.v1+json',
      },
      body: JSON.stringify(envelope),
    });
  const first = await post(SECRET);
  expect(first.status).toBe(202);
  expect(((await first.json()) as any).jobs).toHaveLength(1);
  const again = await post(SECRET);
  expect(await again.json()).toMatchObject({ jobs: [], duplicates: 1 });
  const wrong = await post('not-the-secret-at-all');
  expect(wrong.status).toBe(401);
});
