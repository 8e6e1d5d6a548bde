// Copies that need the same token scope at once share one token exchange: the state store lets one caller
// exchange while the others wait for its token (and the token is cached once, not once per copy).

import { expect, inject, it } from 'vitest';
import { uniqueRepository } from '../support/copying.js';
import { makeService, type TestService } from '../support/service.js';
import { COPIES, seedTarget, tokenConfig, warmCopy } from '../support/token-copies.js';
import { tokenRequestScopes } from '../support/token-log.js';

const fixture = inject('fixture');

const post = (service: TestService) => (body: unknown) =>
  service.app.request('/v1/copy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

it(`${COPIES} concurrent copies needing the same token scopes fetch one token per scope`, async () => {
  const repository = uniqueRepository('tokens/shared');
  await seedTarget(post(makeService(tokenConfig(fixture))), fixture, repository);
  const before = (await tokenRequestScopes(fixture.token.server, repository)).length;

  const service = makeService(tokenConfig(fixture)); // its own caches and state: every copy starts without a token
  const answers = await Promise.all(
    Array.from({ length: COPIES }, async (_, i) => {
      const r = await post(service)(warmCopy(fixture, repository, i));
      return `${r.status} ${r.status === 200 ? '' : await r.text()}`;
    }),
  );
  expect(answers.filter((a) => !a.startsWith('200'))).toEqual([]);
  await service.settle();
  expect((await tokenRequestScopes(fixture.token.server, repository)).slice(before)).toEqual([
    `repository:${repository}:pull`,
  ]);
  // The KV cache got each token once: the target's and the source's.
  expect((await service.deps.kv.list('v1:token:')).keys).toHaveLength(2);
}, 60_000);
