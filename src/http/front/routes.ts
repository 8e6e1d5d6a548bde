// The registry front: read-only `/v2/` routes any registry client can pull through (the distribution
// spec's pull and discovery endpoints), over the upstreams the configured aliases name, and `/v1/token`,
// where clients get the tokens those routes take (tokens.ts). Writes answer 405 UNSUPPORTED.

import { Hono, type Context } from 'hono';
import type { Deps } from '../../deps.js';
import type { Caller } from '../../config/callers.js';
import { AppError } from '../../errors.js';
import {
  auditPull,
  frontBlob,
  frontBlobSize,
  frontManifest,
  frontName,
  frontReferrers,
  LIST_EDGE_SECONDS,
  frontTags,
  writeBack,
  type FrontName,
} from '../../ops/front/index.js';
import type { AppEnv } from '../app-env.js';
import { checkAnonymousRequest } from '../anonymous-guard.js';
import { authenticate } from '../auth.js';
import { cacheControl, notModified } from '../caching.js';
import { registryErrorResponse } from './envelope.js';
import { issueToken, mayPull, pullScopes, verifyToken } from './tokens.js';

const API_VERSION = { 'docker-distribution-api-version': 'registry/2.0' };

/** A `/v2/` path as what it asks for. */
type FrontRequest =
  | { subject: 'base' }
  | { subject: 'manifest' | 'blob' | 'referrers'; name: string; reference: string }
  | { subject: 'tags'; name: string };

function parsePath(path: string): FrontRequest | null {
  if (path === '/v2' || path === '/v2/') return { subject: 'base' };
  const item = /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/]+)$/.exec(path);
  if (item) {
    const subject = item[2] === 'manifests' ? 'manifest' : item[2] === 'blobs' ? 'blob' : 'referrers';
    return { subject, name: item[1]!, reference: decodeURIComponent(item[3]!) };
  }
  const tags = /^\/v2\/(.+)\/tags\/list$/.exec(path);
  return tags ? { subject: 'tags', name: tags[1]! } : null;
}

/** Who may read what here: everything (anonymous callers, where configured), or what a token names. */
type Reader = { caller: string } & ({ all: true } | { all: false; may: (upstream: string) => boolean });

function challenge(url: URL, name?: string, error?: string): Record<string, string> {
  const scope = name ? `,scope="repository:${name}:pull"` : '';
  const why = error ? `,error="${error}"` : '';
  return { 'www-authenticate': `Bearer realm="${url.origin}/v1/token",service="${url.host}"${scope}${why}` };
}

/**
 * The reader of a `/v2/` request: its front token, or an API key or OIDC token sent as is (Bearer), or an
 * API key as a Basic password (a static header, as a node's containerd `hosts.toml` may send).
 */
async function readerOf(deps: Deps, request: Request): Promise<Reader> {
  if (deps.config.callers.anonymous) {
    checkAnonymousRequest(deps.config.callers, request);
    return { caller: 'anonymous', all: true };
  }
  const authorization = request.headers.get('authorization') ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (!bearer) {
    if (!/^Basic\s/i.test(authorization))
      throw new AppError('UNAUTHENTICATED', 'authentication required: ask the token realm for a token');
    const caller = await basicCaller(deps, authorization);
    return { caller: caller.id, all: false, may: (upstream) => mayPull(deps, caller, upstream) };
  }
  try {
    const grant = await verifyToken(deps, bearer);
    return { caller: grant.caller, all: false, may: (upstream) => grant.upstreams.includes(upstream) };
  } catch (error) {
    const caller = await authenticate(deps, `Bearer ${bearer}`).catch(() => {
      throw error;
    });
    return { caller: caller.id, all: false, may: (upstream) => mayPull(deps, caller, upstream) };
  }
}

/** The caller of Basic credentials: any user name, an API key as the password. */
function basicCaller(deps: Deps, authorization: string): Promise<Caller> {
  const encoded = /^Basic\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? '';
  let password: string;
  try {
    const decoded = atob(encoded);
    password = decoded.slice(decoded.indexOf(':') + 1);
  } catch {
    throw new AppError('UNAUTHENTICATED', 'the Basic credentials are not base64');
  }
  return authenticate(deps, `Bearer ${password}`);
}

function manifestHeaders(found: { bytes: Uint8Array; mediaType: string; digest: string }, cache: string) {
  return {
    ...API_VERSION,
    'content-type': found.mediaType,
    'content-length': String(found.bytes.byteLength),
    'docker-content-digest': found.digest,
    etag: `"${found.digest}"`,
    'cache-control': cache,
  };
}

async function serve(
  deps: Deps,
  c: Context<AppEnv>,
  asked: Exclude<FrontRequest, { subject: 'base' }>,
  name: FrontName,
  caller: string,
) {
  const head = c.req.method === 'HEAD';
  if (asked.subject === 'manifest') {
    const found = await frontManifest(deps, name, asked.reference);
    const byDigest = found.digest === asked.reference;
    if (!byDigest) deps.defer(auditPull(deps, caller, name, asked.reference, found.digest).catch(() => undefined));
    if (!byDigest && found.from === 'upstream' && name.cache)
      deps.defer(
        writeBack(deps, name, asked.reference, found.digest).catch((error: unknown) =>
          deps.log.warn('front: could not start the write-back copy', {
            reason: error instanceof Error ? error.message : 'unknown',
          }),
        ),
      );
    const headers = manifestHeaders(found, cacheControl(byDigest, deps.config.tagTtlSeconds));
    if (notModified(c.req.header('if-none-match'), headers.etag)) return new Response(null, { status: 304, headers });
    return new Response(head ? null : (found.bytes as Uint8Array<ArrayBuffer>), { headers });
  }
  if (asked.subject === 'blob') {
    if (head) {
      const size = await frontBlobSize(deps, name, asked.reference);
      if (size === null) throw new AppError('NOT_FOUND', `blob ${asked.reference} is not in ${asked.name}`);
      const headers = { ...API_VERSION, 'content-length': String(size), 'docker-content-digest': asked.reference };
      return new Response(null, { headers: { ...headers, 'accept-ranges': 'bytes' } });
    }
    const upstream = await frontBlob(deps, name, asked.reference, c.req.header('range'));
    if (upstream.status === 307)
      return new Response(null, {
        status: 307,
        headers: { ...API_VERSION, location: upstream.headers.get('location')! },
      });
    const headers = new Headers({ ...API_VERSION, 'docker-content-digest': asked.reference, 'accept-ranges': 'bytes' });
    headers.set('content-type', 'application/octet-stream');
    for (const h of ['content-length', 'content-range']) {
      const value = upstream.headers.get(h);
      if (value) headers.set(h, value);
    }
    return new Response(upstream.body, { status: upstream.status === 206 ? 206 : 200, headers });
  }
  if (asked.subject === 'tags') {
    const n = c.req.query('n');
    if (n !== undefined && !/^\d+$/.test(n)) throw new AppError('INVALID_REQUEST', `n must be a count, not "${n}"`);
    const last = c.req.query('last');
    const page = await frontTags(deps, name, {
      ...(n !== undefined ? { n: Number(n) } : {}),
      ...(last !== undefined ? { last } : {}),
    });
    const headers: Record<string, string> = { ...API_VERSION };
    if (page.next !== undefined) {
      const query = new URLSearchParams({ ...(n !== undefined ? { n } : {}), last: page.next });
      headers.link = `</v2/${asked.name}/tags/list?${query}>; rel="next"`;
    }
    return c.json({ name: asked.name, tags: page.tags }, 200, headers);
  }
  const found = await frontReferrers(deps, name, asked.reference, c.req.query('artifactType'));
  const headers: Record<string, string> = {
    ...API_VERSION,
    'content-type': 'application/vnd.oci.image.index.v1+json',
    'cache-control': `private, max-age=${LIST_EDGE_SECONDS}`,
  };
  if (found.filtered) headers['oci-filters-applied'] = 'artifactType';
  return new Response(JSON.stringify(found.index), { headers });
}

export function frontRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/v1/token', async (c) => {
    const deps = c.var.deps;
    try {
      const caller = await tokenCaller(deps, c.req.raw);
      const issued = await issueToken(deps, caller, pullScopes(c.req.queries('scope') ?? []));
      return c.json({
        token: issued.token,
        access_token: issued.token,
        expires_in: issued.expiresIn,
        issued_at: issued.issuedAt,
      });
    } catch (error) {
      const basic = { 'www-authenticate': 'Basic realm="ferry"' };
      return registryErrorResponse(error, 'token', deps.log, basic);
    }
  });

  app.all('/v2/*', (c) => answer(c));
  app.all('/v2', (c) => answer(c));
  return app;
}

/** The token endpoint's caller: Basic (an API key as the password) or Bearer (an API key or OIDC token). */
async function tokenCaller(deps: Deps, request: Request): Promise<Caller> {
  if (deps.config.callers.anonymous) checkAnonymousRequest(deps.config.callers, request);
  const authorization = request.headers.get('authorization') ?? '';
  if (/^Basic\s/i.test(authorization)) return basicCaller(deps, authorization);
  return authenticate(deps, authorization || undefined);
}

async function answer(c: Context<AppEnv>): Promise<Response> {
  const deps = c.var.deps;
  const url = new URL(c.req.url);
  const asked = parsePath(url.pathname);
  const name = asked && asked.subject !== 'base' ? asked.name : undefined;
  let insufficient = false;
  try {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD')
      throw new AppError('METHOD_NOT_ALLOWED', `this registry front is read-only: ${c.req.method} is not served`);
    if (!asked) throw new AppError('ROUTE_NOT_FOUND', `no registry route ${url.pathname}`);
    const reader = await readerOf(deps, c.req.raw);
    if (asked.subject === 'base')
      return new Response('{}', { headers: { ...API_VERSION, 'content-type': 'application/json' } });
    const name = frontName(deps.config, asked.name, c.req.query('ns'));
    if (!reader.all && !reader.may(`${name.registry}/${name.repository}`)) {
      insufficient = true;
      throw new AppError('UNAUTHENTICATED', `the token does not let its holder pull ${asked.name}`);
    }
    return await serve(deps, c, asked, name, reader.caller);
  } catch (error) {
    // A 401 says where to get a token, and for what (RFC 6750; the distribution token spec).
    const unauthenticated = error instanceof AppError && error.code === 'UNAUTHENTICATED';
    const headers = unauthenticated ? challenge(url, name, insufficient ? 'insufficient_scope' : undefined) : {};
    return registryErrorResponse(error, asked?.subject ?? 'base', deps.log, headers);
  }
}
