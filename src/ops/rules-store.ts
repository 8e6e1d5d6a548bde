// Promotion rules: those in the configuration (read-only) and those admins manage through the API (KV).

import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { getJson, putJson } from '../kv/store.js';
import { recordKeys } from '../kv/records.js';
import { parseRules, type PromotionRule } from '../rules.js';

export interface StoredRule extends PromotionRule {
  /** "config": from the configuration, not changeable through the API. */
  origin: 'config' | 'api';
}

export async function listRules(deps: Deps): Promise<StoredRule[]> {
  const fromApi: StoredRule[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.kv.list(recordKeys.rulePrefix(), cursor ? { cursor } : {});
    for (const key of page.keys) {
      const rule = await getJson<PromotionRule>(deps.kv, key);
      if (rule) fromApi.push({ ...rule, origin: 'api' });
    }
    cursor = page.cursor;
  } while (cursor);
  return [...deps.config.rules.map((r) => ({ ...r, origin: 'config' as const })), ...fromApi];
}

export async function findRule(deps: Deps, name: string): Promise<PromotionRule> {
  const rule = deps.config.rules.find((r) => r.name === name) ?? (await getJson<PromotionRule>(deps.kv, recordKeys.rule(name)));
  if (!rule) throw new AppError('NOT_FOUND', `no promotion rule named "${name}"`);
  return rule;
}

/** Validates a rule exactly as the configuration would, then stores it; configured rules cannot be replaced. */
export async function putRule(deps: Deps, name: string, body: unknown): Promise<PromotionRule> {
  if (deps.config.rules.some((r) => r.name === name)) throw new AppError('CONFLICT', `rule "${name}" comes from the configuration and cannot be changed here`);
  let rule: PromotionRule;
  try {
    [rule] = parseRules({ rules: [{ ...(body as object), name }] }) as [PromotionRule];
  } catch (error) {
    throw new AppError('INVALID_REQUEST', error instanceof Error ? error.message.replace('invalid configuration: promotion.rules[0]', 'rule') : 'invalid rule');
  }
  await putJson(deps.kv, recordKeys.rule(name), rule);
  return rule;
}

export async function deleteRule(deps: Deps, name: string): Promise<void> {
  if (deps.config.rules.some((r) => r.name === name)) throw new AppError('CONFLICT', `rule "${name}" comes from the configuration and cannot be deleted here`);
  if (!(await deps.kv.get(recordKeys.rule(name)))) throw new AppError('NOT_FOUND', `no promotion rule named "${name}"`);
  await deps.kv.delete(recordKeys.rule(name));
}
