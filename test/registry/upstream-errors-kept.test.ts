// A registry's refusal is kept whole, not only flattened into text (as go-containerregistry's
// transport.Error): its status, the codes of its error document, and the request it answered (no query).
// Whether a failure is worth another try is decided in one place (isTransient).

import { expect, inject, it } from 'vitest';
import { AppError, isTransient } from '../../src/errors.js';
import { registryClient } from '../../src/ops/registries/index.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const host = fixture.registries.anonymous.host;

it("a missing manifest keeps docker-registry's status, code and the request", async () => {
  const service = makeService({ registries: localRegistries(host) });
  const client = registryClient(service.deps, host);
  const failure = await client.getManifest('ferry-test/v2s2', 'no-such-tag').catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(AppError);
  expect(failure).toMatchObject({
    code: 'NOT_FOUND',
    upstream: {
      status: 404,
      codes: ['MANIFEST_UNKNOWN'],
      request: `GET http://${host}/v2/ferry-test/v2s2/manifests/no-such-tag`,
    },
  });
  expect(isTransient(failure)).toBe(false);
});

it('transient: a registry that is down or busy, or a failure marked retryable; not a refusal', () => {
  expect(isTransient(new AppError('UPSTREAM_UNAVAILABLE', 'registry answered 503'))).toBe(true);
  expect(isTransient(new AppError('UPSTREAM_UNAUTHORIZED', 'refused', { retryable: true }))).toBe(true);
  expect(isTransient(new AppError('UPSTREAM_DENIED', 'registry answered 403'))).toBe(false);
  expect(isTransient(new Error('not ours'))).toBe(false);
});
