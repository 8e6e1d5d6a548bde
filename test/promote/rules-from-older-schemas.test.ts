// `verify` replaced `requireSignature` (which only saw that a signature existed): a configuration or a
// rule body that still says it is refused with what to write instead, and a rule stored before the change
// fails closed (422 RULE_INVALID) and is listed as invalid, as is one stored with `match`.

import { expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { stateKeys } from '../../src/state/records.js';
import { runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;
const rule = (extra: Record<string, unknown>) => ({
  source: { repository: `${registry}/staging/**`, tags: { semver: '>=1.0.0' } },
  targets: [{ repository: `${registry}/prod/app`, tags: ['{tag}'] }],
  ...extra,
});

it('a configuration or a PUT rule with requireSignature is refused, saying to write verify', async () => {
  expect(() =>
    parseConfig({ promotion: { rules: [{ name: 'r', ...rule({ requireSignature: true }) }] } }),
  ).toThrowError(
    expect.objectContaining({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('promotion.rules[0].requireSignature: replaced by "verify"'),
    }),
  );
  const service = makeService({ registries: localRegistries(registry), callers: { anonymous: true } });
  const put = await service.app.request('/v1/rules/old', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rule({ requireSignature: true })),
  });
  expect(put.status).toBe(400);
  expect(((await put.json()) as { detail: string }).detail).toContain('"verify": {"signers"');
});

it('a verify policy is checked where it is written: unset secrets, bad identity patterns, unknown kinds', () => {
  const refused = (verify: unknown) => () =>
    parseConfig({ promotion: { rules: [{ name: 'r', ...rule({ verify }) }] } });
  expect(refused({ signers: [{ kind: 'cosign-key', publicKey: { secret: 'NOPE' } }] })).toThrowError(
    expect.objectContaining({
      message: expect.stringContaining('promotion.rules[0].verify.signers[0].publicKey: secret "NOPE" is not set'),
    }),
  );
  expect(
    refused({ signers: [{ kind: 'sigstore', identity: '(a)\\1', issuer: 'https://x', trustedRoot: '{}' }] }),
  ).toThrowError(expect.objectContaining({ message: expect.stringContaining('verify.signers[0].identity') }));
  expect(refused({ signers: [{ kind: 'gpg', key: 'x' }] })).toThrowError(
    expect.objectContaining({ message: expect.stringContaining('"cosign-key", "sigstore", "notation"') }),
  );
  expect(refused({})).toThrowError(
    expect.objectContaining({ message: expect.stringContaining('at least one signer or attestation') }),
  );
  expect(refused({ signers: [{ kind: 'cosign-key', publicKey: 'not a key' }] })).toThrowError(
    expect.objectContaining({
      message: expect.stringContaining('verify.signers[0].publicKey: expected a PEM "PUBLIC KEY" block'),
    }),
  );
});

it('rules stored before the change fail closed and are listed as invalid; a webhook they match gets a failed job saying why', async () => {
  const SECRET = 'older-schema-receiver-secret-3c1d';
  const service = makeService(
    {
      registries: localRegistries(source, registry),
      callers: { anonymous: true },
      webhooks: { receivers: { staging: { format: 'distribution', registry, secret: SECRET } } },
    },
    { jobs: true },
  );
  const staging = uniqueRepository('staging/old');
  expect(
    (
      await runCopy(
        service,
        { source: `${source}/ferry-test/v2s2:v1`, target: `${registry}/${staging}:1.0.0` },
        'application/json',
      )
    ).status,
  ).toBe(200);
  const stored = {
    name: 'unsigned',
    ...rule({}),
    mutable: false,
    monotonic: false,
    copyReferrers: false,
    requireSignature: true,
  };
  await service.deps.state.create(stateKeys.unownedRule('unsigned'), JSON.stringify(stored));
  await service.deps.state.create(
    stateKeys.unownedRule('matched'),
    JSON.stringify({
      ...stored,
      name: 'matched',
      requireSignature: false,
      source: { repository: `${registry}/staging/**`, tags: { match: '.*' } },
    }),
  );
  const listed = (
    (await (await service.app.request('/v1/rules')).json()) as { rules: { name: string; invalid?: string }[] }
  ).rules;
  expect(listed.find((r) => r.name === 'unsigned')?.invalid).toContain('replaced by "verify"');
  expect(listed.find((r) => r.name === 'matched')?.invalid).toContain('renamed to "regex"');
  for (const name of ['unsigned', 'matched']) {
    const res = await service.app.request('/v1/promote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${registry}/${staging}:1.0.0`, rule: name, dryRun: false }),
    });
    const body = (await res.json()) as { code: string; detail: string };
    expect([res.status, body.code], body.detail).toEqual([422, 'RULE_INVALID']);
  }
  const digest = fixture.skopeo.anonymous.v2s2!.digest;
  const event = {
    events: [
      {
        id: `event-${crypto.randomUUID()}`,
        action: 'push',
        target: {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest,
          repository: staging,
          tag: '1.0.0',
        },
      },
    ],
  };
  const notified = await service.app.request('/v1/webhooks/staging', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${SECRET}`,
      'content-type': 'application/vnd.docker.distribution.events.v1+json',
    },
    body: JSON.stringify(event),
  });
  expect(notified.status).toBe(202);
  const { jobs } = (await notified.json()) as { jobs: string[] };
  expect(jobs).toHaveLength(2);
  for (const id of jobs)
    expect(await waitForJob(service, id)).toMatchObject({ state: 'failed', error: { code: 'RULE_INVALID' } });
});
