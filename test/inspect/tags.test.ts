// Tag lists: every tag, one page with n/last and a `next` cursor, or every page by following Link headers.

import { describe, expect, inject, it } from 'vitest';
import { registryClient } from '../../src/ops/registries/index.js';
import { configFor } from '../support/configs.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
// skopeo pushed the nested image's parts under their own tags.
const NESTED_TAGS = ['part-inner', 'part-s390x', 'v1'];

describe.each(['anonymous', 'token'] as const)('tags under %s auth', (mode) => {
  const host = fixture.registries[mode].host;

  it('lists every tag', async () => {
    const service = makeService(configFor(fixture, mode));
    const res = await service.get(`/v1/tags/${host}/ferry-test/nested`);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe(`${host}/ferry-test/nested`);
    expect([...res.body.tags].sort()).toEqual(NESTED_TAGS);
    expect(res.body.next).toBeUndefined();
  });
});

it('pages even where the registry ignores n (distribution 2.8): Ferry cuts the page and links the next', async () => {
  const host = fixture.registries.anonymous.host;
  const service = makeService(configFor(fixture, 'anonymous'));
  const first = await service.get(`/v1/tags/${host}/ferry-test/nested?n=2`);
  expect(first.body.tags).toEqual(NESTED_TAGS.slice(0, 2));
  expect(first.body.next).toBe('part-s390x');
  expect(first.headers.get('link')).toBe(`</v1/tags/${host}/ferry-test/nested?n=2&last=part-s390x>; rel="next"`);
  const second = await service.get(`/v1/tags/${host}/ferry-test/nested?n=2&last=${first.body.next}`);
  expect(second.body.tags).toEqual(NESTED_TAGS.slice(2));
  expect(second.body.next).toBeUndefined();
  expect(second.headers.get('link')).toBeNull();
});

describe('pagination (a registry that pages tags, as distribution v3 and Docker Hub do)', () => {
  const host = fixture.faultProxy;
  const config = { registries: { [host]: { insecure: true, headers: { 'x-ferry-fault': 'paginate-tags' } } } };

  it('pages with n and last, handing out the next cursor', async () => {
    const service = makeService(config);
    const first = await service.get(`/v1/tags/${host}/ferry-test/nested?n=2`);
    expect(first.body.tags).toEqual(NESTED_TAGS.slice(0, 2));
    expect(first.body.next).toBe('part-s390x');
    const second = await service.get(`/v1/tags/${host}/ferry-test/nested?n=2&last=${first.body.next}`);
    expect(second.body.tags).toEqual(NESTED_TAGS.slice(2));
    expect(second.body.next).toBeUndefined();
  });

  it('follows Link pages to list everything', async () => {
    const service = makeService(config);
    const page = await registryClient(service.deps, host).listTags('ferry-test/nested', { pageSize: 1 });
    expect(page.tags).toEqual(NESTED_TAGS);
    expect(service.requests.filter((r) => r.url.includes('/tags/list')).length).toBe(3);
  });
});

describe("tag pages on go-containerregistry's registry, which cuts a page at n and sends no Link", () => {
  const host = fixture.implementations['go-containerregistry'].host;
  const config = { registries: { [host]: { insecure: true } } };

  it('lists every tag: a full page without a Link is followed by one more, after its last tag', async () => {
    const service = makeService(config);
    const page = await registryClient(service.deps, host).listTags('ferry-test/nested', { pageSize: 1 });
    expect(page.tags).toEqual(NESTED_TAGS);
  });

  it('a full page hands out the next cursor', async () => {
    const service = makeService(config);
    const first = await service.get(`/v1/tags/${host}/ferry-test/nested?n=2`);
    expect([first.body.tags, first.body.next]).toEqual([NESTED_TAGS.slice(0, 2), NESTED_TAGS[1]]);
    const second = await service.get(`/v1/tags/${host}/ferry-test/nested?n=2&last=${first.body.next}`);
    expect([second.body.tags, second.body.next]).toEqual([NESTED_TAGS.slice(2), undefined]);
  });
});

describe('tag list input', () => {
  it('refuses a reference with a tag, and a bad page size', async () => {
    const service = makeService(configFor(fixture, 'anonymous'));
    const host = fixture.registries.anonymous.host;
    expect((await service.get(`/v1/tags/${host}/ferry-test/nested:v1`)).body.code).toBe('INVALID_REFERENCE');
    expect((await service.get(`/v1/tags/${host}/ferry-test/nested?n=0`)).body.code).toBe('INVALID_REQUEST');
  });

  it('an unknown repository is NOT_FOUND', async () => {
    const service = makeService(configFor(fixture, 'anonymous'));
    const res = await service.get(`/v1/tags/${fixture.registries.anonymous.host}/ferry-test/none`);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});
