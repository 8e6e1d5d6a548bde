// Promotion: a source image (pinned by digest) goes to a rule's targets under templated tags. A target tag
// that already names another digest is a conflict unless the rule is mutable, which keeps a backup tag first.

import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { repositoryGlob } from '../../glob.js';
import { compilePattern } from '../../patterns.js';
import { registryClient } from '../registries/index.js';
import { formatReference, isValidTag, parseReference, parseRepositoryName } from '../../reference.js';
import { staleRuleProblem, type PromotionRule } from '../../config/rules.js';
import type { CopyReporter, CopyResult } from '../copy/index.js';
import { copyImage, copyReferrers, imageCopySpec, type CopyOptions, type TagGuard } from '../copy/index.js';
import { requireAuthorGrants } from '../../policy.js';
import { findRule } from './rules.js';
import { pushPromotionRecord } from './record.js';
import { applyBackupRetention, backupTagName, type BackupOutcome } from './backups.js';
import { compareSemver, parseSemver, satisfies } from '../../semver.js';
import { stateKeys } from '../../state/records.js';
import type { VerifiedImage } from './signatures.js';

export interface PromotionStep {
  target: string;
  tag: string;
  /** What the tag names now, if anything. */
  current?: string;
  action: 'create' | 'unchanged' | 'move' | 'conflict';
  /** With a mutable rule, where the old digest is kept before the tag moves. */
  backupTag?: string;
  /** Why a step is a conflict when the tag itself is free to move (a monotonic rule's higher version). */
  reason?: string;
}

export interface PromotionPlan {
  rule: string;
  source: string;
  sourceTag: string;
  digest: string;
  steps: PromotionStep[];
  /** What the rule's `verify` gate accepted: the signature and attestations, with signer and identity. */
  verified?: VerifiedImage;
}

/**
 * A promotion ready to run: its rule, read once, and its plan, whose signatures were verified once. Plain
 * data, so a Workflow step can hand it to the next: the rule goes without its `verify` policy (the plan's
 * `verified` says what it accepted).
 */
export interface PreparedPromotion {
  rule: PromotionRule;
  plan: PromotionPlan;
}

/**
 * A job's promotion: the rule read (its author must still hold its grants), then the plan made. The one
 * place a promotion job reads its rule and verifies signatures.
 */
export async function preparePromotion(
  deps: Deps,
  source: string,
  named: { rule: string; owner?: string },
): Promise<PreparedPromotion> {
  const rule = await findRule(deps, named.rule, named.owner);
  requireAuthorGrants(deps.config.callers, rule);
  const plan = await planPromotion(deps, source, rule);
  const { verify: _verifiedInPlan, ...kept } = rule;
  return { rule: kept, plan };
}

export function tagAllowed(rule: PromotionRule, tag: string): boolean {
  const { regex, semver, exact } = rule.source.tags;
  if (exact !== undefined && tag !== exact) return false;
  if (regex !== undefined && !compilePattern(regex).found(tag)) return false;
  if (semver !== undefined) {
    const version = parseSemver(tag);
    if (!version || !satisfies(version, semver)) return false;
  }
  return true;
}

/**
 * A target repository template: `{repository}` is the source path after the glob's leading literal
 * segments (whole segments only), `{name}` its last segment; `registry/staging/**` to
 * `registry/prod/{repository}` is one rule for every repository. The result must be a repository name.
 */
export function renderRepository(template: string, glob: string, source: string, rule: string): string {
  if (!template.includes('{')) return template;
  const globSegments = glob.split('/');
  const literal = globSegments.findIndex((s) => s.includes('*'));
  const below = source
    .split('/')
    .slice(literal === -1 ? globSegments.length : literal)
    .join('/');
  const rendered = template.replace(/\{(repository|name)\}/g, (_, key: string) =>
    key === 'name' ? source.split('/').at(-1)! : below,
  );
  const invalid = (why: string) =>
    new AppError('RULE_MISMATCH', `rule "${rule}": target "${template}" for ${source} ${why}`);
  if (/[{}]/.test(rendered)) throw invalid('has a placeholder other than {repository} and {name}');
  if (!below) throw invalid('names no repository (the source adds nothing below the glob)');
  try {
    parseRepositoryName(rendered);
  } catch {
    throw invalid(`renders "${rendered}", which is not a repository name`);
  }
  return rendered;
}

function renderTag(template: string, tag: string): string {
  const version = parseSemver(tag);
  const rendered = template.replace(/\{(tag|semver\.major|semver\.minor|semver\.patch)\}/g, (_, key: string) => {
    if (key === 'tag') return tag;
    if (!version)
      throw new AppError('RULE_MISMATCH', `template "${template}" needs a semantic version, and "${tag}" is not one`);
    return String(version[key.slice('semver.'.length) as 'major' | 'minor' | 'patch']);
  });
  if (!isValidTag(rendered))
    throw new AppError('RULE_MISMATCH', `template "${template}" renders "${rendered}", which is not a valid tag`);
  return rendered;
}

/** The plan for promoting `source` ("registry/repository:tag[@digest]") by `rule`; nothing is written. */
export async function planPromotion(deps: Deps, sourceInput: string, rule: PromotionRule): Promise<PromotionPlan> {
  const source = parseReference(sourceInput);
  if (!/:[^/]*$/.test(sourceInput.split('@')[0]!))
    throw new AppError(
      'INVALID_REQUEST',
      'the source needs its tag (the rule filters tags and the targets are named after it)',
    );
  const tag = source.tag!;
  const repository = `${source.registry}/${source.repository}`;
  if (!repositoryGlob(rule.source.repository).test(repository))
    throw new AppError('RULE_MISMATCH', `rule "${rule.name}" does not cover ${repository}`);
  const stale = staleRuleProblem(rule);
  if (stale) throw new AppError('RULE_INVALID', `rule "${rule.name}" ${stale}`);
  if (!tagAllowed(rule, tag)) throw new AppError('RULE_MISMATCH', `rule "${rule.name}" does not promote tag "${tag}"`);
  // Events and callers are hints: the tag is resolved (or its digest confirmed) at the source now.
  const head = await registryClient(deps, source.registry).headManifest(source.repository, tag);
  if (!head) throw new AppError('NOT_FOUND', `${repository}:${tag} does not exist`);
  if (source.digest && source.digest !== head.digest) {
    throw new AppError('CONFLICT', `${repository}:${tag} now names ${head.digest}, not ${source.digest}`);
  }
  const digest = head.digest;
  // The signature code (ASN.1, X.509, CMS) loads only for a rule that verifies: most starts never need it.
  const verified = rule.verify
    ? await (await import('./signatures.js')).verifyForPromotion(deps, rule, source.registry, source.repository, digest)
    : undefined;
  const steps: PromotionStep[] = [];
  for (const target of rule.targets) {
    const name = parseRepositoryName(
      renderRepository(target.repository, rule.source.repository, repository, rule.name),
    );
    const client = registryClient(deps, name.registry);
    for (const template of target.tags) {
      const targetTag = renderTag(template, tag);
      const current = (await client.headManifest(name.repository, targetTag, { primary: true }))?.digest;
      let action: PromotionStep['action'] =
        current === undefined ? 'create' : current === digest ? 'unchanged' : rule.mutable ? 'move' : 'conflict';
      const target = `${name.registry}/${name.repository}`;
      const higher =
        action === 'unchanged' || !rule.monotonic
          ? undefined
          : await higherPromoted(deps, rule.name, target, targetTag, tag);
      if (higher) action = 'conflict';
      steps.push({
        target,
        tag: targetTag,
        ...(current ? { current } : {}),
        action,
        ...(action === 'move' ? { backupTag: backupTagName(targetTag, current!, deps.now()) } : {}),
        ...(higher
          ? { reason: `monotonic: rule "${rule.name}" promoted ${higher} to this tag, and ${tag} is lower` }
          : {}),
      });
    }
  }
  return {
    rule: rule.name,
    source: formatReference({ ...source, digest }),
    sourceTag: tag,
    digest,
    steps,
    ...(verified ? { verified } : {}),
  };
}

/** The version a monotonic rule last promoted to the tag, when it is above `version`. */
async function higherPromoted(
  deps: Deps,
  rule: string,
  target: string,
  tag: string,
  version: string,
): Promise<string | undefined> {
  const last = (await deps.state.get(stateKeys.promotedVersion(rule, target, tag)))?.value;
  const [a, b] = [last && parseSemver(last), parseSemver(version)];
  return a && b && compareSemver(a, b) > 0 ? last : undefined;
}

/** Raises the version a monotonic rule promoted to each tag (never lowers it: a racing older promotion loses). */
async function notePromotedVersion(
  deps: Deps,
  rule: string,
  target: string,
  tags: string[],
  version: string,
): Promise<void> {
  const promoted = parseSemver(version);
  if (!promoted) return;
  for (const tag of tags) {
    const key = stateKeys.promotedVersion(rule, target, tag);
    for (;;) {
      const entry = await deps.state.get(key);
      const held = entry ? parseSemver(entry.value) : undefined;
      if (held && compareSemver(held, promoted) >= 0) break;
      if (entry ? await deps.state.update(key, entry.version, version) : await deps.state.create(key, version)) break;
    }
  }
}

/**
 * The plan saw each target tag at one moment and the copy took a while: right before writing a tag, it
 * must still name what the plan saw (or the promoted digest already), or another promotion got there
 * first and this one stops with a conflict instead of overwriting it.
 */
function tagStillAsPlanned(deps: Deps, plan: PromotionPlan, target: string): TagGuard {
  const name = parseRepositoryName(target);
  const client = registryClient(deps, name.registry);
  // All of the target's tags are checked before the first is written, so none moves if one is taken.
  let checked: Promise<void> | undefined;
  const check = async () => {
    for (const step of plan.steps.filter((s) => s.target === target && s.action !== 'unchanged')) {
      const now = (await client.headManifest(name.repository, step.tag, { primary: true }))?.digest;
      if (now === undefined || now === plan.digest || now === step.current) continue;
      throw new AppError('CONFLICT', `${target}:${step.tag} changed during the promotion: it names ${now} now`, {
        details: { target, tag: step.tag, current: now },
      });
    }
  };
  return () => (checked ??= check());
}

/**
 * A plan with a conflict is refused whole, the same way in a dry run as in the real one (409 CONFLICT, the
 * plan in the problem document), so a dry run that succeeds means the real run would go ahead.
 */
export function refuseConflicts(plan: PromotionPlan): void {
  const conflicts = plan.steps.filter((s) => s.action === 'conflict');
  if (!conflicts.length) return;
  throw new AppError(
    'CONFLICT',
    `target tags may not move: ` +
      `${conflicts.map((c) => `${c.target}:${c.tag} (${c.reason ?? `immutable, names ${c.current}`})`).join(', ')}`,
    {
      details: { conflicts, plan },
    },
  );
}

/**
 * Carries a plan out: refuses whole on any conflict, keeps backups of moved tags, copies by digest (and,
 * if the rule says so, the signature and referrer tags), then leaves a promotion record in each target.
 */
export async function executePromotion(
  deps: Deps,
  { rule, plan }: PreparedPromotion,
  reporter: CopyReporter,
  trigger: string,
  options: Pick<CopyOptions, 'blobsPlaced' | 'readable' | 'signal' | 'uploadOwner'> = {},
): Promise<PromotionOutcome> {
  refuseConflicts(plan);
  for (const step of plan.steps.filter((s) => s.action === 'move')) {
    const name = parseRepositoryName(step.target);
    const client = registryClient(deps, name.registry);
    const old = await client.getManifest(name.repository, step.current!);
    await client.putManifest(name.repository, step.backupTag!, old.bytes, old.mediaType);
  }
  const source = parseReference(plan.source);
  const results: CopyResult[] = [];
  for (const target of [...new Set(plan.steps.map((s) => s.target))]) {
    const tags = plan.steps.filter((s) => s.target === target && s.action !== 'unchanged').map((s) => s.tag);
    if (!tags.length) continue;
    const result = await copyImage(deps, imageCopySpec(source, parseRepositoryName(target), tags), reporter, {
      beforeTag: tagStillAsPlanned(deps, plan, target),
      actor: trigger,
      ...options,
    });
    results.push(result);
    if (rule.monotonic) await notePromotedVersion(deps, rule.name, target, tags, plan.sourceTag);
    if (rule.copyReferrers) await copyReferrers(deps, source, plan.digest, parseRepositoryName(target), reporter);
    await pushPromotionRecord(
      deps,
      rule.records ?? 'auto',
      target,
      { digest: result.digest, mediaType: result.mediaType, size: result.size },
      {
        rule: plan.rule,
        source: plan.source,
        digest: plan.digest,
        target,
        tags,
        trigger,
        at: new Date(deps.now()).toISOString(),
        ...(plan.verified ? { verified: plan.verified } : {}),
      },
    );
  }
  // Once the tags moved, the backups past the rule's retention go.
  const moved = plan.steps.filter((s) => s.action === 'move');
  const backups: BackupOutcome = { created: moved.map((s) => s.backupTag!), removed: [] };
  for (const step of moved) {
    const { removed, kept } = await applyBackupRetention(deps, step.target, step.tag, step.backupTag!, rule.backups);
    backups.removed.push(...removed);
    if (kept) (backups.kept ??= []).push(...kept);
  }
  return { results, backups };
}

/** What a promotion wrote: its copies, and the backup tags it made and removed. */
export interface PromotionOutcome {
  results: CopyResult[];
  backups: BackupOutcome;
}
