// A copy that cannot finish ends with an error event naming the blob, cancels its upload, and tags nothing.

import { describe, expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const target = fixture.targets.anonymous.host;

async function expectNoTag(host: string, repository: string, tag: string) {
  const verdict = await judge(fixture.judge, 'raw', `${host}/${repository}:${tag}`);
  expect(verdict.ok).toBe(false);
  expect(verdict.error).toMatch(/manifest unknown|not found|name unknown/i);
}

describe('copy failures', () => {
  it('a source blob that is missing ends in an error naming it; the target tag does not exist', async () => {
    const { repository, tag, missingBlob } = fixture.brokenImage;
    const into = uniqueRepository('fail/missing');
    const service = makeService({
      registries: localRegistries(fixture.emptyRegistry, target),
    });
    const run = await runCopy(service, {
      source: `${fixture.emptyRegistry}/${repository}:${tag}`,
      target: `${target}/${into}:v1`,
    });
    expect(run.final).toMatchObject({ type: 'error', code: 'NOT_FOUND', blob: missingBlob });
    expect(run.final.message).toContain(missingBlob);
    expect(service.requests.some((r) => r.method === 'DELETE' && r.url.includes('/blobs/uploads/'))).toBe(true);
    expect(service.requests.some((r) => r.method === 'PUT' && r.url.includes('/manifests/'))).toBe(false);
    await expectNoTag(target, into, 'v1');
  });

  it('a target that refuses uploads ends in an error naming a blob, with no tag written', async () => {
    const into = uniqueRepository('fail/readonly');
    const service = makeService({
      registries: localRegistries(fixture.registries.anonymous.host, fixture.readOnlyRegistry),
    });
    const run = await runCopy(service, {
      source: `${fixture.registries.anonymous.host}/ferry-test/multiarch:v1`,
      target: `${fixture.readOnlyRegistry}/${into}:v1`,
    });
    expect(run.final.type).toBe('error');
    expect(run.final.blob).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(run.final.message).toContain(run.final.blob);
    expect(service.requests.some((r) => r.method === 'PUT' && r.url.includes('/manifests/'))).toBe(false);
    await expectNoTag(fixture.readOnlyRegistry, into, 'v1');
  });

  it.each([
    [false, 'the target rejects the final PUT'],
    [true, 'verify catches it in flight'],
  ])('a corrupted blob (verify: %s): %s; the upload is cancelled and nothing is tagged', async (verify) => {
    const into = uniqueRepository('fail/corrupt');
    const service = makeService({
      registries: {
        [fixture.faultProxy]: { insecure: true, headers: { 'x-ferry-fault': 'corrupt-blobs' } },
        [target]: { insecure: true },
      },
      copy: { concurrency: 1 },
    });
    const run = await runCopy(service, {
      source: `${fixture.faultProxy}/ferry-test/v2s2:v1`,
      target: `${target}/${into}:v1`,
      verify,
    });
    expect(run.final.type).toBe('error');
    expect(run.final.blob).toMatch(/^sha256:/);
    if (verify) expect(run.final.code).toBe('DIGEST_MISMATCH');
    else expect(run.final.message).toMatch(/DIGEST_INVALID|digest/i);
    expect(service.requests.some((r) => r.method === 'DELETE' && r.url.includes('/blobs/uploads/'))).toBe(true);
    await expectNoTag(target, into, 'v1');
  });
});
