// Promotion rules: those in the configuration (read-only) and those admins manage through the API (the
// state store: a webhook right after a rule change must see it, which KV does not promise).

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson, replaceState } from '../../state/store.js';
import type { Caller } from '../../config/callers.js';
import { authorOf } from '../../policy.js';
import { ConfigProblems, parseNamedBody } from '../../config/problems.js';
import { buildRule, RuleBodySchema, staleRuleProblem, type PromotionRule } from '../../config/rules.js';
import type { SecretLookup } from '../../config/values.js';

export interface StoredRule extends PromotionRule {
  /** "config": from the configuration, not changeable through the API. */
  origin: 'config' | 'api';
  /** A rule stored under an older schema: why it promotes nothing until rewritten. */
  invalid?: string;
}

export async function listRules(deps: Deps): Promise<StoredRule[]> {
  const fromApi: StoredRule[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.state.list(stateKeys.rulesPrefix(), cursor ? { cursor } : {});
    for (const entry of page.entries) {
      const rule = JSON.parse(entry.value) as PromotionRule;
      const invalid = staleRuleProblem(rule);
      fromApi.push({ ...rule, origin: 'api', ...(invalid ? { invalid } : {}) });
    }
    cursor = page.cursor;
  } while (cursor);
  return [...deps.config.rules.map((r) => ({ ...r, origin: 'config' as const })), ...fromApi];
}

/** Who owns a rule written through the API (its author); configured rules have no owner. */
export function ruleOwner(rule: PromotionRule): string | undefined {
  return rule.author?.id;
}

/**
 * The rule a job names: the configured one (names of configured rules are everyone's), or the owner's. A
 * rule stored before names were scoped per owner is found by its author.
 */
export async function lookupRule(deps: Deps, name: string, owner?: string): Promise<PromotionRule | undefined> {
  const configured = deps.config.rules.find((r) => r.name === name);
  if (configured) return configured;
  if (owner !== undefined) {
    const owned = await getStateJson<PromotionRule>(deps.state, stateKeys.rule(name, owner));
    if (owned) return owned.value;
  }
  const unowned = (await getStateJson<PromotionRule>(deps.state, stateKeys.unownedRule(name)))?.value;
  return unowned && (owner === undefined || ruleOwner(unowned) === owner) ? unowned : undefined;
}

export async function findRule(deps: Deps, name: string, owner?: string): Promise<PromotionRule> {
  const rule = await lookupRule(deps, name, owner);
  if (!rule) throw new AppError('NOT_FOUND', `no promotion rule named "${name}"`);
  return rule;
}

/** Every rule of that name: the configured one, or each owner's (one prefix of the store, not every rule). */
async function rulesNamed(deps: Deps, name: string): Promise<PromotionRule[]> {
  const configured = deps.config.rules.find((r) => r.name === name);
  if (configured) return [configured];
  const found: PromotionRule[] = [];
  const unowned = await getStateJson<PromotionRule>(deps.state, stateKeys.unownedRule(name));
  if (unowned) found.push(unowned.value);
  let cursor: string | undefined;
  do {
    const page = await deps.state.list(stateKeys.rulesNamed(name), cursor ? { cursor } : {});
    for (const entry of page.entries) found.push(JSON.parse(entry.value) as PromotionRule);
    cursor = page.cursor;
  } while (cursor);
  return found;
}

/**
 * The rule of that name a caller means, among those it may `see`: its own, or else the only one. Rules of
 * several other owners: CONFLICT naming them (the caller may see them all), never a guess.
 */
export async function ruleForCaller(
  deps: Deps,
  caller: Caller,
  name: string,
  see: (rule: PromotionRule) => boolean,
): Promise<PromotionRule | undefined> {
  const visible = (await rulesNamed(deps, name)).filter(see);
  const own = visible.find((r) => ruleOwner(r) === caller.id);
  if (own || visible.length < 2) return own ?? visible[0];
  const owners = visible.map((r) => ruleOwner(r) ?? 'the configuration');
  throw new AppError(
    'CONFLICT',
    `rules of several owners are named "${name}" (${owners.join(', ')}); rename one of them to promote by it`,
    { details: { rule: name, owners } },
  );
}

/** Checks a rule body with the configuration's own schema (unknown keys refused) and builds it for storing. */
export function parseRuleBody(
  name: string,
  body: unknown,
  author: Caller,
  secret: SecretLookup,
  declared: readonly string[],
): PromotionRule {
  const document = parseNamedBody(RuleBodySchema, body, name, 'rule');
  // Only secrets declared for rules resolve; any other name is refused the same way, set or not.
  const undeclared = new Set<string>();
  const problems = new ConfigProblems((asked) => {
    if (declared.includes(asked)) return secret(asked);
    undeclared.add(asked);
    return undefined;
  });
  const rule = buildRule({ ...document, name }, 'rule', problems);
  const [refused] = undeclared;
  if (refused !== undefined)
    throw new AppError(
      'INVALID_REQUEST',
      `rule: secret "${refused.slice(0, 64)}" is not one declared for rules (promotion.ruleSecrets)`,
    );
  const first = problems.list[0];
  if (first) throw new AppError('INVALID_REQUEST', `${first.path}: ${first.message}`);
  return { ...rule, author: authorOf(author) };
}

/** Stores a rule checked by parseRuleBody under its author's name for it; configured rules cannot be replaced. */
export async function putRule(deps: Deps, rule: PromotionRule): Promise<void> {
  if (deps.config.rules.some((r) => r.name === rule.name))
    throw new AppError('CONFLICT', `rule "${rule.name}" comes from the configuration and cannot be changed here`);
  const owner = ruleOwner(rule);
  if (owner === undefined) throw new Error('a rule written through the API has an author');
  await replaceState(deps.state, stateKeys.rule(rule.name, owner), JSON.stringify(rule));
  await dropUnowned(deps, rule.name, owner);
}

/** Deletes a stored rule (found by lookupRule or ruleForCaller). */
export async function deleteRule(deps: Deps, rule: PromotionRule): Promise<void> {
  if (deps.config.rules.some((r) => r.name === rule.name))
    throw new AppError('CONFLICT', `rule "${rule.name}" comes from the configuration and cannot be deleted here`);
  const owner = ruleOwner(rule);
  if (owner !== undefined) await deps.state.delete(stateKeys.rule(rule.name, owner));
  await dropUnowned(deps, rule.name, owner);
}

// The copy stored before names were scoped per owner goes once its owner writes or deletes the rule.
async function dropUnowned(deps: Deps, name: string, owner: string | undefined): Promise<void> {
  const unowned = await getStateJson<PromotionRule>(deps.state, stateKeys.unownedRule(name));
  if (unowned && ruleOwner(unowned.value) === owner) await deps.state.delete(stateKeys.unownedRule(name));
}
