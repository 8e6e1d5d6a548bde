// Read-only routes: image inspection, raw manifests, comparisons and tag lists.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { diffImages, inspectImage, listTags, readManifest } from '../ops/inspect/index.js';
import { parseReference, parseRepositoryName } from '../reference.js';
import type { AppEnv } from './app-env.js';
import { cacheControl, notModified } from './caching.js';
import { requireGrant } from '../policy.js';
import { DiffQuerySchema, InspectQuerySchema, TagsQuerySchema, validate } from './schemas.js';

/** The reference is the rest of the path after the route prefix, percent-decoded. */
export function pathRest(url: string, prefix: string): string {
  const pathname = new URL(url).pathname;
  try {
    return decodeURIComponent(pathname.slice(prefix.length));
  } catch {
    throw new AppError('INVALID_REFERENCE', 'the reference in the path is not valid percent-encoding');
  }
}

export function readRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const mayInspect = (caller: AppEnv['Variables']['caller'], name: { registry: string; repository: string }) =>
    requireGrant(deps.config.callers, caller, 'inspect', `${name.registry}/${name.repository}`);

  app.get('/v1/inspect/*', async (c) => {
    const deps = c.var.deps;
    const reference = pathRest(c.req.url, '/v1/inspect/');
    mayInspect(c.get('caller'), parseReference(reference));
    const { platform } = validate(InspectQuerySchema, c.req.query(), 'query');
    const result = await inspectImage(deps, reference, platform === undefined ? {} : { platform });
    const etag = `"${result.digest}"`;
    const headers = { etag, 'cache-control': cacheControl(reference.includes('@'), deps.config.tagTtlSeconds) };
    if (notModified(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.json(result, 200, headers);
  });

  app.get('/v1/manifest/*', async (c) => {
    const deps = c.var.deps;
    const reference = pathRest(c.req.url, '/v1/manifest/');
    mayInspect(c.get('caller'), parseReference(reference));
    const { platform } = validate(InspectQuerySchema, c.req.query(), 'query');
    const manifest = await readManifest(deps, reference, platform === undefined ? {} : { platform });
    const etag = `"${manifest.digest}"`;
    const headers = {
      etag,
      'cache-control': cacheControl(reference.includes('@'), deps.config.tagTtlSeconds),
      'docker-content-digest': manifest.digest,
      'content-type': manifest.mediaType,
    };
    if (notModified(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.body(manifest.bytes as Uint8Array<ArrayBuffer>, 200, headers);
  });

  // What changed between two references: the same comparison the console shows and `ferry diff` prints.
  app.get('/v1/diff/*', async (c) => {
    const deps = c.var.deps;
    const from = pathRest(c.req.url, '/v1/diff/');
    const { to } = validate(DiffQuerySchema, c.req.query(), 'query');
    mayInspect(c.get('caller'), parseReference(from));
    mayInspect(c.get('caller'), parseReference(to));
    return c.json(await diffImages(deps, from, to));
  });

  app.get('/v1/tags/*', async (c) => {
    const deps = c.var.deps;
    const repository = pathRest(c.req.url, '/v1/tags/');
    mayInspect(c.get('caller'), parseRepositoryName(repository));
    const { n, last } = validate(TagsQuerySchema, c.req.query(), 'query');
    const page = await listTags(deps, repository, { ...(n ? { n: Number(n) } : {}), ...(last ? { last } : {}) });
    // As the registry API pages: a Link to the next page, besides `next` in the body.
    const headers: Record<string, string> =
      page.next === undefined || !n
        ? {}
        : { link: `<${new URL(c.req.url).pathname}?${new URLSearchParams({ n, last: page.next })}>; rel="next"` };
    return c.json(page, 200, headers);
  });

  return app;
}
