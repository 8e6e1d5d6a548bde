// A webhook promotion that must not happen (no signature, an immutable tag naming another digest) ends as
// a failed job whose error says why, and leaves the target as it was.

import { expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeKey } from '../support/cosign-signing.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const registry = fixture.targets.anonymous.host;
const SECRET = 'refusals-receiver-secret-7f31';
const V2S2 = fixture.skopeo.anonymous.v2s2!;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!;

function setup(rule: Record<string, unknown>) {
  const staging = uniqueRepository('staging/refused');
  const prod = uniqueRepository('prod/refused');
  const service = makeService(
    {
      registries: localRegistries(fixture.registries.anonymous.host, registry),
      webhooks: { receivers: { staging: { format: 'distribution', registry, secret: SECRET } } },
      promotion: {
        rules: [
          {
            name: 'release',
            source: { repository: `${registry}/${staging}`, tags: { semver: '>=1.0.0' } },
            targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}'] }],
            ...rule,
          },
        ],
      },
    },
    { jobs: true },
  );
  const put = async (image: string, target: string) =>
    expect(
      (
        await runCopy(
          service,
          { source: `${fixture.registries.anonymous.host}/ferry-test/${image}:v1`, target },
          'application/json',
        )
      ).status,
    ).toBe(200);
  /** Tells Ferry that `tag` was pushed to staging, as distribution's notifications do; returns the job. */
  const notify = async (
    digest: string,
    tag: string,
    envelopeType = 'application/vnd.docker.distribution.events.v1+json',
  ) => {
    const envelope = {
      events: [
        {
          id: `event-${crypto.randomUUID()}`,
          action: 'push',
          target: { mediaType: 'application/vnd.oci.image.index.v1+json', digest, repository: staging, tag },
        },
      ],
    };
    const res = await service.app.request('/v1/webhooks/staging', {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': envelopeType },
      body: JSON.stringify(envelope),
    });
    expect(res.status).toBe(202);
    const { jobs } = (await res.json()) as { jobs: string[] };
    expect(jobs).toHaveLength(1);
    return waitForJob(service, jobs[0]!);
  };
  return { service, staging, prod, put, notify };
}

it('an unsigned image under a rule that requires a signature: the job fails with SIGNATURE_MISSING, nothing promoted', async () => {
  const { service, staging, prod, put, notify } = setup({
    verify: { signers: [{ kind: 'cosign-key', publicKey: (await makeKey()).pem }] },
  });
  await put('v2s2', `${registry}/${staging}:2.0.0`);
  const job = await notify(V2S2.digest, '2.0.0');
  expect(job, JSON.stringify(job)).toMatchObject({
    kind: 'promote',
    state: 'failed',
    error: { code: 'SIGNATURE_MISSING' },
  });
  // The job names its rule, pinned source and trigger; the audit record its job, rule and detail; one log line says it failed.
  expect(job).toMatchObject({
    promotion: { rule: 'release', source: expect.stringContaining(`@${V2S2.digest}`) },
    trigger: { receiver: 'staging', delivery: expect.stringMatching(/^event-/) },
  });
  const audit = (await (await service.app.request('/v1/audit?limit=50')).json()) as {
    records: { action: string; kind?: string; job?: string; rule?: string; code?: string; detail?: string }[];
  };
  expect(audit.records.find((r) => r.action === 'promote' && r.job === job.id)).toMatchObject({
    kind: 'promote',
    rule: 'release',
    code: 'SIGNATURE_MISSING',
    detail: expect.stringContaining('.sig'),
    trigger: { receiver: 'staging' },
  });
  expect(audit.records.find((r) => r.action === 'copy')).toMatchObject({ kind: 'copy' });
  const line = service.logs
    .map((l) => JSON.parse(l))
    .find((l) => l.m === 'webhook promotion failed' && l.job === job.id);
  expect(line).toMatchObject({ rule: 'release', receiver: 'staging', code: 'SIGNATURE_MISSING' });
  expect(job.error.message).toContain(`${V2S2.digest.replace(':', '-')}.sig`);
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:2.0.0`)).ok).toBe(false);
});

it('an immutable target tag naming another digest: the job fails with CONFLICT and the tag stays', async () => {
  const { staging, prod, put, notify } = setup({});
  await put('multiarch', `${registry}/${prod}:3.0.0`);
  await put('v2s2', `${registry}/${staging}:3.0.0`);
  // The v2 envelope (distribution 3) carries events the same way.
  const job = await notify(V2S2.digest, '3.0.0', 'application/vnd.docker.distribution.events.v2+json');
  expect(job, JSON.stringify(job)).toMatchObject({ kind: 'promote', state: 'failed', error: { code: 'CONFLICT' } });
  expect(job.error.message).toContain(MULTIARCH.digest);
  expect((await judge(fixture.judge, 'raw', `${registry}/${prod}:3.0.0`)).raw).toBe(MULTIARCH.raw);
});
