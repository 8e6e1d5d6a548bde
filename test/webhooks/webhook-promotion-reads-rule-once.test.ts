// A webhook promotion reads its rule once and verifies the image's signatures once, in process (Node) and as
// a Workflow in steps (workerd: the plan step prepares the promotion and hands it to the job step). Counted:
// the state store's reads of the rule's key, and the registry requests for the signature's `.sig` tag,
// against what one dry run (one plan) takes.

import { makeState } from '@test-runtime';
import { expect, inject, it } from 'vitest';
import { stateKeys } from '../../src/state/records.js';
import type { StateStore } from '../../src/state/store.js';
import { runCopy, uniqueRepository, waitForJob } from '../support/copying.js';
import { makeKey, pushSignatureTag, signatureLayer, simpleSigningPayload } from '../support/cosign-signing.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!;
const SECRET = 'reads-once-receiver-secret-5d1c';

/**
 * A state store that counts reads of one rule: its key, or the rules of its name (the webhook's scan of every
 * rule, to match sources, is not a read of this one).
 */
function countingReads(
  store: StateStore,
  key: string,
  named: string,
): { store: StateStore; reads: () => number; reset(): void } {
  let reads = 0;
  const counted: StateStore = {
    get: (k) => {
      if (k === key) reads++;
      return store.get(k);
    },
    create: (...args) => store.create(...args),
    update: (...args) => store.update(...args),
    delete: (...args) => store.delete(...args),
    list: (...args) => {
      if (args[0] === named) reads++;
      return store.list(...args);
    },
    jobIndex: store.jobIndex,
  };
  return { store: counted, reads: () => reads, reset: () => (reads = 0) };
}

it('a webhook promotion by a rule that verifies signatures reads the rule once and verifies once', async () => {
  const key = await makeKey('P-256');
  const staging = uniqueRepository('staging/once');
  const prod = uniqueRepository('prod/once');
  const rule = countingReads(makeState(), stateKeys.rule('release', 'anonymous'), stateKeys.rulesNamed('release'));
  const service = makeService(
    {
      registries: localRegistries(source, registry),
      webhooks: { receivers: { staging: { format: 'distribution', registry, secret: SECRET } } },
      callers: { anonymous: true },
    },
    { jobs: true, state: rule.store },
  );
  const put = await service.app.request('/v1/rules/release', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      source: { repository: `${registry}/${staging}`, tags: { semver: '>=1.0.0' } },
      targets: [{ repository: `${registry}/${prod}`, tags: ['{tag}'] }],
      verify: { signers: [{ kind: 'cosign-key', publicKey: key.pem }] },
    }),
  });
  expect(put.status, await put.clone().text()).toBeLessThan(300);
  const staged = await runCopy(
    service,
    { source: `${source}/ferry-test/multiarch:v1`, target: `${registry}/${staging}:1.0.0` },
    'application/json',
  );
  expect(staged.status).toBe(200);
  const signature = await signatureLayer(key, simpleSigningPayload(`${registry}/${staging}`, MULTIARCH.digest));
  await pushSignatureTag(registry, staging, MULTIARCH.digest, [signature]);
  const signatureReads = () => service.requests.filter((r) => /\/manifests\/sha256-[0-9a-f]{64}\.sig$/.test(r.url));

  // One plan, for the measure: a dry run reads the rule once and verifies once.
  const before = signatureReads().length;
  rule.reset();
  const dry = await service.app.request('/v1/promote', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: `${registry}/${staging}:1.0.0`, rule: 'release', dryRun: true }),
  });
  expect(dry.status, await dry.clone().text()).toBe(200);
  const onePlan = signatureReads().length - before;
  expect(onePlan).toBeGreaterThan(0);
  expect(rule.reads()).toBe(1);

  const start = signatureReads().length;
  rule.reset();
  const res = await service.app.request('/v1/webhooks/staging', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${SECRET}`,
      'content-type': 'application/vnd.docker.distribution.events.v1+json',
    },
    body: JSON.stringify({
      events: [
        {
          id: `event-${crypto.randomUUID()}`,
          action: 'push',
          target: {
            mediaType: 'application/vnd.oci.image.index.v1+json',
            digest: MULTIARCH.digest,
            repository: staging,
            tag: '1.0.0',
          },
        },
      ],
    }),
  });
  expect(res.status).toBe(202);
  const job = await waitForJob(service, ((await res.json()) as { jobs: string[] }).jobs[0]!);
  expect(job.state, JSON.stringify(job.error)).toBe('done');
  expect(rule.reads()).toBe(1);
  expect(signatureReads().length - start).toBe(onePlan);
});
