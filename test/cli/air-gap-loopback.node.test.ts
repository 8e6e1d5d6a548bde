// The loopback registry an air-gap copy serves its layout through: only the process that opened it gets in,
// nothing outside the layout can be named, and a push it cannot check leaves the layout as it was.

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OciLayoutWriter } from '../../cli/air-gap/layout-writer.js';
import { serveLoopback, type LoopbackRegistry } from '../../cli/air-gap/loopback-registry.js';
import { sha256 } from '../support/oci-layout.js';

let dir: string;
let layout: OciLayoutWriter;
let registry: LoopbackRegistry;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-loopback-'));
  layout = new OciLayoutWriter(join(dir, 'layout'), 'oci:layout');
  registry = await serveLoopback(layout, 'oci:layout');
});
afterAll(async () => {
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

const basic = (creds: string) => `Basic ${Buffer.from(creds).toString('base64')}`;
const call = (path: string, init: RequestInit = {}, creds = registry.creds) =>
  fetch(`http://${registry.host}${path}`, {
    ...init,
    headers: { authorization: basic(creds), ...(init.headers as Record<string, string>) },
  });
const codeOf = async (response: Response) =>
  [response.status, ((await response.json()) as { errors: { code: string }[] }).errors[0]!.code] as const;

it('answers only the credentials of the process that opened it', async () => {
  expect((await call('/v2/')).status).toBe(200);
  expect((await call('/v2/', {}, 'ferry:guess')).status).toBe(401);
  const anonymous = await fetch(`http://${registry.host}/v2/image/tags/list`);
  expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Basic']);
});

it('names nothing outside the layout: a path in place of a digest or tag is refused', async () => {
  for (const path of [
    '/v2/image/blobs/..%2F..%2F..%2Fetc%2Fpasswd',
    '/v2/image/blobs/sha256:..%2Findex.json',
    '/v2/image/manifests/..%2F..%2Findex.json',
  ])
    expect((await call(path)).status, path).toBe(400);
  expect(await codeOf(await call('/v2/other/tags/list'))).toEqual([404, 'NAME_UNKNOWN']);
});

it('keeps no blob whose bytes are not its digest, and no manifest naming a missing blob', async () => {
  const bytes = Buffer.from('layer bytes');
  const opened = await call('/v2/image/blobs/uploads/', { method: 'POST' });
  expect(opened.status).toBe(202);
  const wrong = sha256(Buffer.from('other bytes'));
  const put = await call(`${opened.headers.get('location')}?digest=${wrong}`, { method: 'PUT', body: bytes });
  expect(await codeOf(put)).toEqual([400, 'DIGEST_INVALID']);
  expect((await call(`/v2/image/blobs/${wrong}`, { method: 'HEAD' })).status).toBe(404);

  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: wrong, size: 11 },
    layers: [],
  });
  const pushed = await call('/v2/image/manifests/v1', {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  expect(await codeOf(pushed)).toEqual([400, 'BLOB_UNKNOWN']);
  expect(existsSync(join(dir, 'layout', 'index.json'))).toBe(false);
  await layout.abandon();
  expect(existsSync(join(dir, 'layout'))).toBe(false);
  expect(readdirSync(dir)).toEqual([]);
});
