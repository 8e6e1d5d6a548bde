// A layout or an archive served as a registry on the loopback interface for one command, so `ferry copy`
// takes the same path to and from it as to and from any registry (one copy, not a second one for files).
// It speaks as much of the distribution API as a copy uses; Basic credentials only this process knows keep
// other local users out while it runs.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { PushRefused } from './layout-writer.js';
import { isValidDigest } from '../../src/reference.js';
import { isTag, type BlobUpload, type ImageStore } from './store.js';

/** The one repository the loopback registry holds. */
export const LOOPBACK_REPOSITORY = 'image';
const MAX_MANIFEST = 4 * 1024 * 1024;

export interface LoopbackRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  /** USERNAME:PASSWORD, as --src-creds takes them. */
  creds: string;
  close(): Promise<void>;
}

type Answer = { status: number; headers?: Record<string, string>; body?: string | Buffer };

const refusal = (status: number, code: string, message: string): Answer => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ errors: [{ code, message }] }),
});

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function serveLoopback(store: ImageStore, what: string): Promise<LoopbackRegistry> {
  const password = randomBytes(24).toString('hex');
  const expected = Buffer.from(`Basic ${Buffer.from(`ferry:${password}`).toString('base64')}`);
  const uploads = new Map<string, BlobUpload>();
  const base = `/v2/${LOOPBACK_REPOSITORY}`;

  const authorized = (request: IncomingMessage) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  async function manifests(request: IncomingMessage, reference: string): Promise<Answer> {
    if (request.method === 'PUT') {
      if (!store.writer) return refusal(405, 'UNSUPPORTED', `${what} is read here, not written`);
      const bytes = await readBody(request, MAX_MANIFEST);
      if (!bytes) return refusal(400, 'MANIFEST_INVALID', `a manifest is at most ${MAX_MANIFEST} bytes`);
      const type = request.headers['content-type'] ?? 'application/vnd.oci.image.manifest.v1+json';
      const digest = await store.writer.putManifest(reference, bytes, type.split(';')[0]!.trim());
      return { status: 201, headers: { location: `${base}/manifests/${digest}`, 'docker-content-digest': digest } };
    }
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return refusal(405, 'UNSUPPORTED', `${request.method} of a manifest is not supported here`);
    const found = await store.manifest(reference);
    if (!found) return refusal(404, 'MANIFEST_UNKNOWN', `${what} has no manifest ${reference}`);
    return {
      status: 200,
      headers: {
        'content-type': found.mediaType,
        'docker-content-digest': found.digest,
        'content-length': String(found.bytes.byteLength),
      },
      body: found.bytes,
    };
  }

  async function blob(request: IncomingMessage, response: ServerResponse, digest: string): Promise<Answer | 'sent'> {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return refusal(405, 'UNSUPPORTED', `${request.method} of a blob is not supported here`);
    const found = await store.blob(digest);
    if (!found) return refusal(404, 'BLOB_UNKNOWN', `${what} has no blob ${digest}`);
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = range ? Math.min(Number(range[1]), found.size) : 0;
    response.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'docker-content-digest': digest,
      'content-length': String(found.size - start),
      ...(range ? { 'content-range': `bytes ${start}-${found.size - 1}/${found.size}` } : {}),
    });
    if (request.method === 'HEAD') response.end();
    else await pipeline(found.open(start), response);
    return 'sent';
  }

  async function upload(request: IncomingMessage, url: URL, id: string | undefined): Promise<Answer> {
    const writer = store.writer;
    if (!writer) return refusal(405, 'UNSUPPORTED', `${what} is read here, not written`);
    const at = (received: number, upload: string) => ({
      location: `${base}/blobs/uploads/${upload}`,
      range: `0-${Math.max(received - 1, 0)}`,
      'docker-upload-uuid': upload,
    });
    const digest = url.searchParams.get('digest');
    if (digest !== null && !isValidDigest(digest)) return refusal(400, 'DIGEST_INVALID', `"${digest}" is not a digest`);
    if (id === undefined) {
      if (request.method !== 'POST') return refusal(405, 'UNSUPPORTED', 'uploads start with POST');
      const mount = url.searchParams.get('mount');
      if (mount && isValidDigest(mount) && (await store.blob(mount)))
        return { status: 201, headers: { location: `${base}/blobs/${mount}`, 'docker-content-digest': mount } };
      const session = await writer.upload();
      const opened = randomBytes(12).toString('hex');
      if (digest) {
        await session.append(request);
        await session.commit(digest);
        return { status: 201, headers: { location: `${base}/blobs/${digest}`, 'docker-content-digest': digest } };
      }
      request.resume();
      uploads.set(opened, session);
      return { status: 202, headers: at(0, opened) };
    }
    const session = uploads.get(id);
    if (!session) return refusal(404, 'BLOB_UPLOAD_UNKNOWN', 'no such upload');
    if (request.method === 'DELETE') {
      uploads.delete(id);
      await session.cancel();
      return { status: 204 };
    }
    if (request.method === 'PATCH') return { status: 202, headers: at(await session.append(request), id) };
    if (request.method !== 'PUT' || !digest) return refusal(400, 'DIGEST_INVALID', 'an upload ends with PUT ?digest=');
    uploads.delete(id);
    await session.append(request);
    await session.commit(digest);
    return { status: 201, headers: { location: `${base}/blobs/${digest}`, 'docker-content-digest': digest } };
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<Answer | 'sent'> {
    if (!authorized(request))
      return { ...refusal(401, 'UNAUTHORIZED', 'credentials needed'), headers: { 'www-authenticate': 'Basic' } };
    const url = new URL(request.url ?? '/', 'http://loopback');
    const path = url.pathname;
    if (path === '/v2/' || path === '/v2') return { status: 200, body: '{}' };
    if (!path.startsWith(`${base}/`)) return refusal(404, 'NAME_UNKNOWN', `${what} holds one repository`);
    const rest = path.slice(base.length + 1);
    if (rest === 'tags/list') {
      const body = JSON.stringify({ name: LOOPBACK_REPOSITORY, tags: (await store.tags()).sort() });
      return { status: 200, headers: { 'content-type': 'application/json' }, body };
    }
    const [kind, ...tail] = rest.split('/');
    const last = decodeURIComponent(tail.join('/'));
    if (kind === 'manifests' && tail.length === 1) {
      if (!isTag(last) && !isValidDigest(last))
        return refusal(400, 'MANIFEST_INVALID', `"${last}" is no tag or digest`);
      return manifests(request, last);
    }
    if (kind === 'blobs' && tail[0] === 'uploads') return upload(request, url, tail[1] || undefined);
    if (kind === 'blobs' && tail.length === 1) {
      if (!isValidDigest(last)) return refusal(400, 'DIGEST_INVALID', `"${last}" is not a digest`);
      return blob(request, response, last);
    }
    return refusal(404, 'NAME_UNKNOWN', `${what} has no ${rest}`);
  }

  const server = createServer((request, response) => {
    route(request, response)
      .catch((error: unknown) =>
        error instanceof PushRefused
          ? refusal(400, error.code, error.message)
          : refusal(500, 'UNKNOWN', error instanceof Error ? error.message : String(error)),
      )
      .then((answer) => {
        if (answer === 'sent') return;
        if (!request.complete) request.resume();
        response.writeHead(answer.status, {
          'docker-distribution-api-version': 'registry/2.0',
          ...answer.headers,
          ...(answer.body === undefined ? { 'content-length': '0' } : {}),
        });
        response.end(request.method === 'HEAD' ? undefined : answer.body);
      })
      .catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    creds: `ferry:${password}`,
    close: async () => {
      for (const session of uploads.values()) await session.cancel();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
