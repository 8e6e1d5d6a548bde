// POST /v1/promote: plan (dry run, the default) or carry out a promotion by a configured rule.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError, isAppError } from '../errors.js';
import { auditPromotion, recordAudit } from '../ops/audit.js';
import { executePromotion, planPromotion } from '../ops/promote.js';
import { deleteRule, findRule, listRules, putRule } from '../ops/rules-store.js';
import { parseReference } from '../registry/reference.js';
import type { AppEnv } from './app-env.js';
import { requireAdmin, requireGrant } from './policy.js';
import { PromoteRequestSchema, validate } from './schemas.js';

export function promoteRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/v1/promote', async (c) => {
    const deps = c.var.deps;
    const request = validate(PromoteRequestSchema, await c.req.json().catch(() => undefined), 'promote request');
    const caller = c.get('caller');
    const rule = await findRule(deps, request.rule);
    const source = parseReference(request.source);
    requireGrant(deps.config.callers, caller, 'inspect', `${source.registry}/${source.repository}`);
    for (const target of rule.targets) requireGrant(deps.config.callers, caller, 'promote', target.repository);
    const plan = await planPromotion(deps, request.source, rule);
    if (request.dryRun !== false) return c.json({ dryRun: true, plan });
    try {
      const results = await executePromotion(deps, plan, { emit: () => {}, wantsProgress: false }, caller.id);
      await auditPromotion(deps, caller.id, request.source, plan);
      return c.json({ dryRun: false, plan, results });
    } catch (error) {
      await auditPromotion(deps, caller.id, request.source, plan, { code: isAppError(error) ? error.code : 'INTERNAL' });
      throw error;
    }
  });

  // Rules managed through the API (admin); configured rules are listed but read-only.
  app.get('/v1/rules', async (c) => {
    const deps = c.var.deps;
    requireAdmin(deps.config.callers, c.get('caller'));
    return c.json({ rules: await listRules(deps) });
  });
  app.put('/v1/rules/:name', async (c) => {
    const deps = c.var.deps;
    requireAdmin(deps.config.callers, c.get('caller'));
    const name = c.req.param('name');
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new AppError('INVALID_REQUEST', 'rule names are 1-64 of A-Z a-z 0-9 _ . -');
    const rule = await putRule(deps, name, await c.req.json().catch(() => undefined));
    await recordAudit(deps, { caller: c.get('caller').id, action: 'rule.put', target: name, outcome: 'ok' });
    return c.json(rule);
  });
  app.delete('/v1/rules/:name', async (c) => {
    const deps = c.var.deps;
    requireAdmin(deps.config.callers, c.get('caller'));
    await deleteRule(deps, c.req.param('name'));
    await recordAudit(deps, { caller: c.get('caller').id, action: 'rule.delete', target: c.req.param('name'), outcome: 'ok' });
    return c.body(null, 204);
  });
  return app;
}
