// Writing names in a repository: a second tag for an image (crane tag) and deleting a tag or a manifest
// (crane delete, regctl tag rm), each audited as the copy is.

import { Hono } from 'hono';
import { AppError, isAppError } from '../errors.js';
import { recordAudit } from '../ops/audit.js';
import { deleteImage, tagImage } from '../ops/tags/index.js';
import { requireGrant } from '../policy.js';
import { parseReference } from '../reference.js';
import type { AppEnv } from './app-env.js';
import { readJsonBody } from './body.js';
import { pathRest } from './inspect.js';
import { TagRequestSchema, validate } from './schemas.js';

export function tagRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/v1/tag', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    const body = validate(TagRequestSchema, await readJsonBody(c.req.raw, deps), 'body');
    const source = parseReference(body.source);
    const repository = `${source.registry}/${source.repository}`;
    // A tag written is a copy into the repository: the caller reads it and writes it.
    requireGrant(deps.config.callers, caller, 'inspect', repository);
    requireGrant(deps.config.callers, caller, 'copy', repository);
    const audited = { caller: caller.id, action: 'tag', source: body.source, target: repository, tags: body.tags };
    try {
      const tagged = await tagImage(deps, source, body.tags);
      await recordAudit(deps, { ...audited, targetDigest: tagged.digest, outcome: 'ok' });
      return c.json(tagged);
    } catch (error) {
      await recordAudit(deps, { ...audited, outcome: 'error', code: isAppError(error) ? error.code : 'INTERNAL' });
      throw error;
    }
  });

  app.delete('/v1/manifest/*', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    const named = pathRest(c.req.url, '/v1/manifest/');
    // What is deleted is named: a bare repository is not Docker's ":latest" here.
    const reference = parseReference(named, { defaultTag: false });
    if (!reference.tag && !reference.digest)
      throw new AppError('INVALID_REFERENCE', `"${named}" names no tag or digest: a delete names what it deletes`);
    requireGrant(deps.config.callers, caller, 'delete', `${reference.registry}/${reference.repository}`);
    const audited = { caller: caller.id, action: 'delete', target: named };
    try {
      const deleted = await deleteImage(deps, reference);
      await recordAudit(deps, { ...audited, targetDigest: deleted.digest, outcome: 'ok' });
      return c.json(deleted);
    } catch (error) {
      await recordAudit(deps, { ...audited, outcome: 'error', code: isAppError(error) ? error.code : 'INTERNAL' });
      throw error;
    }
  });
  return app;
}
