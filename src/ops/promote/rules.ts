// Promotion rules: those in the configuration (read-only) and those admins manage through the API (the
// state store: a webhook right after a rule change must see it, which KV does not promise).

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson, replaceState } from '../../state/store.js';
import type { Caller } from '../../config/callers.js';
import { ConfigProblems, schemaProblems } from '../../config/problems.js';
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

/** The rule of that name, from the configuration or the store; undefined when there is none. */
export async function lookupRule(deps: Deps, name: string): Promise<PromotionRule | undefined> {
  return (
    deps.config.rules.find((r) => r.name === name) ??
    (await getStateJson<PromotionRule>(deps.state, stateKeys.rule(name)))?.value
  );
}

export async function findRule(deps: Deps, name: string): Promise<PromotionRule> {
  const rule = await lookupRule(deps, name);
  if (!rule) throw new AppError('NOT_FOUND', `no promotion rule named "${name}"`);
  return rule;
}

/** Checks a rule body with the configuration's own schema (unknown keys refused) and builds it for storing. */
export function parseRuleBody(
  name: string,
  body: unknown,
  author: Caller,
  secret: SecretLookup,
  declared: readonly string[],
): PromotionRule {
  // The path names the rule; a body may repeat that name, never give another.
  let document = body;
  if (typeof body === 'object' && body !== null && 'name' in body) {
    const { name: given, ...rest } = body as { name: unknown };
    if (given !== name)
      throw new AppError(
        'INVALID_REQUEST',
        `rule.name: the body names "${String(given).slice(0, 64)}", the path "${name}"`,
      );
    document = rest;
  }
  const parsed = RuleBodySchema.safeParse(document);
  if (!parsed.success) {
    const [first] = schemaProblems(parsed.error, RuleBodySchema);
    throw new AppError(
      'INVALID_REQUEST',
      `${first!.path === 'top level' ? 'rule' : `rule.${first!.path}`}: ${first!.message}`,
    );
  }
  // Only secrets declared for rules resolve; any other name is refused the same way, set or not.
  const undeclared = new Set<string>();
  const problems = new ConfigProblems((asked) => {
    if (declared.includes(asked)) return secret(asked);
    undeclared.add(asked);
    return undefined;
  });
  const rule = buildRule({ ...parsed.data, name }, 'rule', problems);
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

// What identifies the author later, without the token's time claims.
function authorOf(caller: Caller): Caller {
  if (caller.kind !== 'oidc') return caller;
  const { exp: _exp, iat: _iat, nbf: _nbf, jti: _jti, ...claims } = caller.claims;
  return { ...caller, claims };
}

/** Stores a rule checked by parseRuleBody; configured rules cannot be replaced. */
export async function putRule(deps: Deps, rule: PromotionRule): Promise<void> {
  if (deps.config.rules.some((r) => r.name === rule.name))
    throw new AppError('CONFLICT', `rule "${rule.name}" comes from the configuration and cannot be changed here`);
  await replaceState(deps.state, stateKeys.rule(rule.name), JSON.stringify(rule));
}

export async function deleteRule(deps: Deps, name: string): Promise<void> {
  if (deps.config.rules.some((r) => r.name === name))
    throw new AppError('CONFLICT', `rule "${name}" comes from the configuration and cannot be deleted here`);
  if (!(await deps.state.get(stateKeys.rule(name))))
    throw new AppError('NOT_FOUND', `no promotion rule named "${name}"`);
  await deps.state.delete(stateKeys.rule(name));
}
