// The `promotion` part of the configuration: rules that say which source tags go to which targets, and how.

import type { Caller } from './callers.js';
import { z } from 'zod';
import type { ConfigProblems } from './problems.js';
import { SecretValueSchema } from './values.js';
import { compilePattern, MATCH_RENAMED, PatternError } from '../patterns.js';
import { pemBlocks } from '../encoding.js';

const RULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Backup tags of one tag a rule keeps unless it says otherwise: enough to step back, not a growing pile. */
export const DEFAULT_BACKUPS_KEPT = 3;

export const TagFilterSchema = z.strictObject({
  /** An unanchored RE2 search over tags (skopeo sync's images-by-tag-regex); ^...$ for a full match. */
  regex: z.string().optional(),
  semver: z.string().optional(),
  exact: z.string().optional(),
  match: z
    .unknown()
    .refine(() => false, MATCH_RENAMED)
    .optional(),
});

/** What a rule that still says `requireSignature` (which only saw that a signature existed) is told. */
export const REQUIRE_SIGNATURE_REPLACED =
  'replaced by "verify": list the signers you accept, e.g. "verify": {"signers": [{"kind": "cosign-key", ' +
  '"publicKey": {"secret": "COSIGN_PUB"}}]}';

const SIGNER_KINDS = ['cosign-key', 'sigstore', 'notation'] as const;

/** Someone whose signature a rule accepts. Large material (keys, trust roots) can be a secret reference. */
export const SignerSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('cosign-key'), publicKey: SecretValueSchema }),
    z.strictObject({
      kind: z.literal('sigstore'),
      /** An RE2 pattern over the certificate's identity (its SAN), anchored: it must match whole. */
      identity: z.string().min(1, 'expected a pattern for the signing identity'),
      /** The OIDC issuer the certificate names, exactly. */
      issuer: z.string().min(1, 'expected the OIDC issuer URL'),
      /** Sigstore's trusted_root.json (CAs, transparency logs, CT logs, timestamp authorities). */
      trustedRoot: SecretValueSchema,
    }),
    z.strictObject({
      kind: z.literal('notation'),
      /** PEM certificates: the trust store's roots. */
      trustStore: SecretValueSchema,
      /** Trusted identities as Notation writes them ("x509.subject: C=US, O=Acme, CN=release"), or "*". */
      identities: z.array(z.string().min(1)).min(1, 'expected trusted identities ("x509.subject: …" or "*")'),
    }),
  ],
  { error: `expected a signer with "kind" one of ${SIGNER_KINDS.map((k) => `"${k}"`).join(', ')}` },
);

export const VerifySchema = z
  .strictObject({
    signers: z.array(SignerSchema).optional(),
    /** In-toto attestations the image must carry, each signed by its signer. */
    attestations: z
      .array(
        z.strictObject({
          predicateType: z.string().min(1, 'expected the predicate type URI'),
          signer: SignerSchema,
          /** Dotted paths into the predicate and the exact value each must have ("builder.id"). */
          conditions: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).optional(),
        }),
      )
      .optional(),
  })
  .refine(
    (v) => (v.signers?.length ?? 0) + (v.attestations?.length ?? 0) > 0,
    'expected at least one signer or attestation',
  );

/** A promotion rule as the configuration and `PUT /v1/rules/<name>` spell it (the name comes from the path there). */
export const RuleBodySchema = z.strictObject({
  source: z.strictObject({
    repository: z.string().includes('/', { error: 'expected "registry/repository"' }),
    tags: TagFilterSchema.optional(),
  }),
  targets: z
    .array(
      z.strictObject({
        repository: z
          .string()
          .includes('/', { error: 'expected "registry/repository"' })
          .refine((r) => !/[*?]/.test(r), 'expected "registry/repository" (a template, not a glob)'),
        tags: z.array(z.string().min(1)).min(1, 'expected tag templates'),
      }),
    )
    .min(1, 'expected at least one target'),
  mutable: z.boolean().optional(),
  /** Never move a target tag to a lower version than the one this rule last promoted there (semver rules). */
  monotonic: z.boolean().optional(),
  copyReferrers: z.boolean().optional(),
  /**
   * Where a promotion record goes: "auto" (default) only where the registry has the referrers API, "always" also
   * through the `sha256-<hex>` tag fallback, "off" nowhere.
   */
  records: z.enum(['auto', 'always', 'off'], { error: 'expected "auto", "always" or "off"' }).optional(),
  /** Backup tags of moved tags (mutable rules): the newest `keep` (default 3) younger than `maxAgeDays` stay. */
  backups: z
    .strictObject({
      keep: z.number().int().min(0, 'expected an integer >= 0').optional(),
      maxAgeDays: z.number().min(0, 'expected days >= 0').optional(),
    })
    .optional(),
  /** Promote only what an accepted signer signed (src/signatures/). */
  verify: VerifySchema.optional(),
  requireSignature: z
    .unknown()
    .refine(() => false, REQUIRE_SIGNATURE_REPLACED)
    .optional(),
});

export const RuleSchema = RuleBodySchema.extend({
  name: z.string().regex(RULE_NAME, 'rule names are 1-64 of A-Z a-z 0-9 _ . -'),
});

export type RuleBody = z.infer<typeof RuleBodySchema>;

export interface TagFilter {
  /** An unanchored search (src/patterns.ts); a stored rule that still says `match` promotes nothing. */
  regex?: string;
  semver?: string;
  exact?: string;
}

export interface PromotionTarget {
  /** "registry/repository" */
  repository: string;
  /** Templates: literal tags, {tag}, {semver.major}, {semver.minor}, {semver.patch}. */
  tags: string[];
}

export interface PromotionRule {
  name: string;
  /** Glob over "registry/repository" (`*` within a segment, `**` across). */
  source: { repository: string; tags: TagFilter };
  targets: PromotionTarget[];
  /** false (default): a target tag that names another digest is a conflict; true: it moves, after a backup tag. */
  mutable: boolean;
  /** A semver rule that never moves a target tag to a lower version than the one it last promoted there. */
  monotonic: boolean;
  /** Copy cosign-style `sha256-<hex>.sig/.att/.sbom` tags and OCI referrers (API or tag fallback) along. */
  copyReferrers: boolean;
  /** Where a promotion record goes (absent in rules stored before: "auto"). */
  records?: PromotionRecords;
  /** How many backup tags of a moved tag stay, and how old they may be (absent: the newest 3). */
  backups?: BackupRetention;
  /** Promote only an image an accepted signer signed (and that carries the attestations it names). */
  verify?: VerifyPolicy;
  /**
   * Who wrote it through the API (absent for rules of the configuration): a webhook-triggered promotion by
   * this rule runs only while the author still holds the grants the rule needs.
   */
  author?: Caller;
}

export type VerifyPolicy = z.output<typeof VerifySchema>;
export type PromotionRecords = 'auto' | 'always' | 'off';
export interface BackupRetention {
  keep: number;
  maxAgeDays?: number;
}
export type SignerPolicy = z.output<typeof SignerSchema>;

type RuleDocument = z.infer<typeof RuleSchema>;

/** A schema-checked rule with its pattern compiled once (so a bad one is reported where it is written). */
export function buildRule(r: RuleDocument, where: string, problems: ConfigProblems): PromotionRule {
  const { match: _renamed, ...tags } = r.source.tags ?? {};
  if (tags.regex !== undefined) {
    try {
      compilePattern(tags.regex);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      problems.add(`${where}.source.tags.regex`, error.message);
    }
  }
  for (const signer of signersOf(r.verify)) checkSigner(signer.policy, `${where}.verify.${signer.path}`, problems);
  if (r.monotonic && tags.semver === undefined)
    problems.add(`${where}.monotonic`, 'needs a semver tag filter: versions are what it compares');
  return {
    name: r.name,
    source: { repository: r.source.repository, tags },
    targets: r.targets.map((t) => ({ repository: t.repository, tags: t.tags })),
    mutable: r.mutable === true,
    monotonic: r.monotonic === true,
    copyReferrers: r.copyReferrers === true,
    records: r.records ?? 'auto',
    backups: {
      keep: r.backups?.keep ?? DEFAULT_BACKUPS_KEPT,
      ...(r.backups?.maxAgeDays !== undefined ? { maxAgeDays: r.backups.maxAgeDays } : {}),
    },
    ...(r.verify ? { verify: r.verify } : {}),
  };
}

/** Every signer a policy names, with its path in the rule. */
export function signersOf(verify: VerifyPolicy | undefined): { policy: SignerPolicy; path: string }[] {
  return [
    ...(verify?.signers ?? []).map((policy, i) => ({ policy, path: `signers[${i}]` })),
    ...(verify?.attestations ?? []).map((a, i) => ({ policy: a.signer, path: `attestations[${i}].signer` })),
  ];
}

function isOnePublicKey(pem: string): boolean {
  try {
    return pemBlocks(pem, 'PUBLIC KEY').length === 1;
  } catch {
    return false;
  }
}

function hasBlocks(pem: string, label: string): boolean {
  try {
    return pemBlocks(pem, label).length > 0;
  } catch {
    return false;
  }
}

// Its certificates and keys are read when a promotion runs; here, that it is one.
function isTrustedRoot(text: string): boolean {
  try {
    const mediaType = (JSON.parse(text) as { mediaType?: unknown }).mediaType;
    return typeof mediaType === 'string' && mediaType.startsWith('application/vnd.dev.sigstore.trustedroot');
  } catch {
    return false;
  }
}

// Secrets named must be set, and an identity pattern must compile, where the rule is written.
function checkSigner(signer: SignerPolicy, where: string, problems: ConfigProblems): void {
  if (signer.kind === 'cosign-key') {
    const pem = problems.secret(`${where}.publicKey`, signer.publicKey);
    if (pem && !isOnePublicKey(pem)) problems.add(`${where}.publicKey`, 'expected a PEM "PUBLIC KEY" block');
  }
  if (signer.kind === 'notation') {
    const pem = problems.secret(`${where}.trustStore`, signer.trustStore);
    if (pem && !hasBlocks(pem, 'CERTIFICATE'))
      problems.add(`${where}.trustStore`, "expected PEM certificates (the trust store's roots)");
  }
  if (signer.kind === 'sigstore') {
    const root = problems.secret(`${where}.trustedRoot`, signer.trustedRoot);
    if (root && !isTrustedRoot(root))
      problems.add(
        `${where}.trustedRoot`,
        'expected a Sigstore trusted_root.json (mediaType application/vnd.dev.sigstore.trustedroot+json)',
      );
    try {
      compilePattern(signer.identity);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      problems.add(`${where}.identity`, error.message);
    }
  }
}

/**
 * Why a rule stored under an older schema may not run (it fails closed until rewritten): `match` became
 * `regex` with another meaning, and `requireSignature` (which only saw that something existed) became `verify`.
 */
export function staleRuleProblem(rule: PromotionRule): string | undefined {
  if ('match' in rule.source.tags) return `says "match": ${MATCH_RENAMED}`;
  if ((rule as { requireSignature?: unknown }).requireSignature === true)
    return `says "requireSignature": ${REQUIRE_SIGNATURE_REPLACED}`;
  return undefined;
}

/** Every repository glob or target template a rule names: whoever administers it must cover them all. */
export function ruleRepositories(rule: PromotionRule): string[] {
  return [rule.source.repository, ...rule.targets.map((t) => t.repository)];
}
