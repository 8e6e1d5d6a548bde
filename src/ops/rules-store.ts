// Promotion rules: those in the configuration (read-only) and those admins manage through the API (the
// state store: a webhook right after a rule change must see it, which KV does not promise).

import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { stateKeys } from '../state/records.js';
import { getStateJson, replaceState } from '../state/store.js';
import { parseRules, type PromotionRule } from '../rules.js';

export interface StoredRule extends PromotionRule {
  /** "config": from the configuration, not changeable through the API. */
  origin: 'config' | 'api';
}

export async function listRules(deps: Deps): Promise<StoredRule[]> {
  const fromApi: StoredRule[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.state.list(stateKeys.rulesPrefix(), cursor ? { cursor } : {});
    for (const entry of page.entries) fromApi.push({ ...(JSON.parse(entry.value) as PromotionRule), origin: 'api' });
    cursor = page.cursor;
  } while (cursor);
  return [...deps.config.rules.map((r) => ({ ...r, origin: 'config' as const })), ...fromApi];
}

export async function findRule(deps: Deps, name: string): Promise<PromotionRule> {
  const rule = deps.config.rules.find((r) => r.name === name) ?? (await getStateJson<PromotionRule>(deps.state, stateKeys.rule(name)))?.value;
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
  await replaceState(deps.state, stateKeys.rule(name), JSON.stringify(rule));
  return rule;
}

export async function deleteRule(deps: Deps, name: string): Promise<void> {
  if (deps.config.rules.some((r) => r.name === name)) throw new AppError('CONFLICT', `rule "${name}" comes from the configuration and cannot be deleted here`);
  if (!(await deps.state.get(stateKeys.rule(name)))) throw new AppError('NOT_FOUND', `no promotion rule named "${name}"`);
  await deps.state.delete(stateKeys.rule(name));
}
