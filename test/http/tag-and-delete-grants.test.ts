// Writing names over the API (POST /v1/tag, DELETE /v1/manifest/…): a tag needs inspect and copy on the
// repository, a delete its own grant `delete` (copy is no licence to delete), and both are audited.

import { expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { judge, uniqueRepository } from '../support/copying.js';
import { localRegistries } from '../support/configs.js';
import { makeService } from '../support/service.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const registry = fixture.targets.anonymous.host;
const V2S2 = fixture.skopeo.anonymous.v2s2!;
const hash = async (key: string) => (await computeDigest(new TextEncoder().encode(key))).slice(7);

it('a tag needs copy on its repository and a delete needs delete; each is refused elsewhere and audited', async () => {
  const mine = uniqueRepository('names/mine');
  const keys = ['kcopy', 'kdelete', 'kroot'];
  const service = makeService({
    registries: localRegistries(source, registry),
    callers: {
      apiKeys: await Promise.all(keys.map(async (name) => ({ name, sha256: await hash(`${name}-secret`) }))),
      grants: [
        { apiKey: 'kcopy', actions: ['inspect', 'copy'], repositories: [`${registry}/${mine}`] },
        { apiKey: 'kdelete', actions: ['delete'], repositories: [`${registry}/${mine}`] },
        { apiKey: 'kroot', actions: ['admin'], repositories: ['**/**'] },
      ],
    },
  });
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}-secret`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const copied = await call('POST', '/v1/copy', 'kroot', {
    source: `${source}/ferry-test/v2s2:v1`,
    target: `${registry}/${mine}:v1`,
  });
  expect(copied.status, JSON.stringify(copied.body)).toBe(200);

  const other = `${registry}/${uniqueRepository('names/other')}`;
  expect((await call('POST', '/v1/tag', 'kcopy', { source: `${other}:v1`, tags: ['x'] })).status).toBe(403);
  const tagged = await call('POST', '/v1/tag', 'kcopy', { source: `${registry}/${mine}:v1`, tags: ['stable'] });
  expect([tagged.status, tagged.body]).toEqual([
    200,
    { target: `${registry}/${mine}`, digest: V2S2.digest, tags: ['stable'] },
  ]);
  expect((await judge(fixture.judge, 'list-tags', `${registry}/${mine}`)).tags?.sort()).toEqual(['stable', 'v1']);
  const bad = await call('POST', '/v1/tag', 'kcopy', { source: `${registry}/${mine}:v1`, tags: ['-no'] });
  expect([bad.status, bad.body.code]).toEqual([400, 'INVALID_REQUEST']);

  // copy is no licence to delete; delete on the repository is.
  const refused = await call('DELETE', `/v1/manifest/${registry}/${mine}@${V2S2.digest}`, 'kcopy');
  expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
  const deleted = await call('DELETE', `/v1/manifest/${registry}/${mine}@${V2S2.digest}`, 'kdelete');
  expect([deleted.status, deleted.body]).toEqual([
    200,
    { reference: `${registry}/${mine}@${V2S2.digest}`, digest: V2S2.digest },
  ]);
  expect((await judge(fixture.judge, 'list-tags', `${registry}/${mine}`)).tags ?? []).toEqual([]);
  // A delete names what it deletes: a bare repository is not read as ":latest" here.
  const bare = await call('DELETE', `/v1/manifest/${registry}/${mine}`, 'kdelete');
  expect([bare.status, bare.body.code]).toEqual([400, 'INVALID_REFERENCE']);
  const gone = await call('DELETE', `/v1/manifest/${registry}/${mine}:v1`, 'kdelete');
  expect([gone.status, gone.body.code]).toEqual([404, 'NOT_FOUND']);

  const audit = await call('GET', '/v1/audit', 'kroot');
  const actions = (audit.body.records as { action: string; outcome: string; caller: string }[])
    .filter((r) => r.action === 'tag' || r.action === 'delete')
    .map((r) => `${r.action} ${r.outcome}`)
    .sort();
  expect(actions).toEqual(['delete error', 'delete ok', 'tag error', 'tag ok']);
});
