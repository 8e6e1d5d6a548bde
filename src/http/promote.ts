// POST /v1/promote: plan (dry run, the default) or carry out a promotion by a configured rule.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError, isAppError } from '../errors.js';
import { auditPromotion, recordAudit } from '../ops/audit.js';
import {
  executePromotion,
  planPromotion,
  refuseConflicts,
  type PreparedPromotion,
  type PromotionPlan,
  deleteRule,
  listRules,
  parseRuleBody,
  ruleForCaller,
  putRule,
  type StoredRule,
} from '../ops/promote/index.js';
import { parseReference } from '../reference.js';
import type { AppEnv } from './app-env.js';
import { readJsonBody } from './body.js';
import type { Caller, CallersConfig } from '../config/callers.js';
import { coversGlob, isAdminOver, readableBy, requireAnyGrant, requireGrant, ruleAdminGap } from '../policy.js';
import { ruleRepositories, type PromotionRule } from '../config/rules.js';
import { PromoteRequestSchema, validate } from './schemas.js';

const noSuchRule = (name: string) => new AppError('NOT_FOUND', `no promotion rule named "${name}"`);

/** An admin over every repository the rule names: may see, change and delete it. */
const administers = (callers: CallersConfig, caller: Caller, rule: PromotionRule) =>
  isAdminOver(callers, caller, ruleRepositories(rule));

/**
 * May promote by the rule: its admin, or a caller with promote on every target. Anyone else is told it does not exist.
 */
const mayUse = (callers: CallersConfig, caller: Caller, rule: PromotionRule) =>
  administers(callers, caller, rule) || rule.targets.every((t) => coversGlob(callers, caller, 'promote', t.repository));

/** The rules the caller may promote by (its admins, or callers with promote on every target). */
export async function usableRules(deps: Deps, caller: Caller): Promise<StoredRule[]> {
  return (await listRules(deps)).filter((r) => mayUse(deps.config.callers, caller, r));
}

/**
 * A promotion's plan, for a caller who may use the rule, read the source and promote to every target the
 * plan names (a template names a repository only for this source): the API's promote and the console's dry run.
 */
export async function planForCaller(
  deps: Deps,
  caller: Caller,
  ruleName: string,
  sourceReference: string,
): Promise<PreparedPromotion> {
  const callers = deps.config.callers;
  const rule = await ruleForCaller(deps, caller, ruleName, (r) => mayUse(callers, caller, r));
  if (!rule) throw noSuchRule(ruleName);
  const source = parseReference(sourceReference);
  requireGrant(callers, caller, 'inspect', `${source.registry}/${source.repository}`);
  const plan = await planPromotion(deps, sourceReference, rule);
  for (const target of new Set(plan.steps.map((s) => s.target))) requireGrant(callers, caller, 'promote', target);
  return { rule, plan };
}

/**
 * A promotion carried out now, for a caller who may (planForCaller), audited either way: the API's
 * `"dryRun": false` and the console's Promote button.
 */
export async function promoteForCaller(deps: Deps, caller: Caller, ruleName: string, sourceReference: string) {
  let prepared;
  try {
    prepared = await planForCaller(deps, caller, ruleName, sourceReference);
  } catch (error) {
    // A gate's refusal (a signature that does not verify) is a promotion refused: audited, as a failure is.
    if (isAppError(error) && error.code.startsWith('SIGNATURE_'))
      await auditPromotion(
        deps,
        caller.id,
        sourceReference,
        undefined,
        { code: error.code, message: error.message },
        { rule: ruleName },
      );
    throw error;
  }
  const plan = prepared.plan;
  try {
    const outcome = await executePromotion(deps, prepared, { emit: () => {}, wantsProgress: false }, caller.id, {
      readable: readableBy(deps.config.callers, caller),
    });
    await auditPromotion(deps, caller.id, sourceReference, plan);
    return { plan, ...outcome };
  } catch (error) {
    await auditPromotion(deps, caller.id, sourceReference, plan, {
      code: isAppError(error) ? error.code : 'INTERNAL',
    });
    throw error;
  }
}

export function promoteRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/v1/promote', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    const callers = deps.config.callers;
    requireAnyGrant(callers, caller, 'promote');
    const request = validate(PromoteRequestSchema, await readJsonBody(c.req.raw, deps), 'promote request');
    if (request.dryRun !== false) {
      const { plan } = await planForCaller(deps, caller, request.rule, request.source);
      refuseConflicts(plan);
      return c.json({ dryRun: true, plan });
    }
    return c.json({ dryRun: false, ...(await promoteForCaller(deps, caller, request.rule, request.source)) });
  });

  // Rules managed through the API: each admin sees and manages the rules within its repositories only.
  app.get('/v1/rules', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    requireAnyGrant(deps.config.callers, caller, 'admin');
    return c.json({ rules: (await listRules(deps)).filter((r) => administers(deps.config.callers, caller, r)) });
  });
  app.put('/v1/rules/:name', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    const callers = deps.config.callers;
    requireAnyGrant(callers, caller, 'admin');
    const name = c.req.param('name');
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
      throw new AppError('INVALID_REQUEST', 'rule names are 1-64 of A-Z a-z 0-9 _ . -');
    const body = await readJsonBody(c.req.raw, deps);
    const rule = parseRuleBody(name, body, caller, deps.config.secret, deps.config.ruleSecrets);
    const gap = ruleAdminGap(callers, caller, rule);
    if (gap !== undefined)
      throw new AppError('FORBIDDEN', `caller ${caller.id} has no "admin" grant covering ${gap}`, {
        details: { missingGrant: { action: 'admin', repository: gap } },
      });
    // Names are scoped per owner: this is the caller's own rule of that name, whoever else has one.
    await putRule(deps, rule);
    await recordAudit(deps, {
      caller: caller.id,
      action: 'rule.put',
      target: name,
      repositories: ruleRepositories(rule),
      outcome: 'ok',
    });
    return c.json(rule);
  });
  app.delete('/v1/rules/:name', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    requireAnyGrant(deps.config.callers, caller, 'admin');
    const name = c.req.param('name');
    const existing = await ruleForCaller(deps, caller, name, (r) => administers(deps.config.callers, caller, r));
    if (!existing) throw noSuchRule(name);
    await deleteRule(deps, existing);
    await recordAudit(deps, {
      caller: caller.id,
      action: 'rule.delete',
      target: name,
      repositories: ruleRepositories(existing),
      outcome: 'ok',
    });
    return c.body(null, 204);
  });
  return app;
}
