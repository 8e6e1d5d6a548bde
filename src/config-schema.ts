// The one schema of Ferry's configuration document. Every object is strict: an unknown key anywhere (a
// typo such as "requireSignatures") is an error naming its path. Secrets stay unresolved here: values
// are either inline strings or {"secret": "NAME"}; config.ts resolves and cross-checks after this.

import { z } from 'zod';
import { MATCH_RENAMED } from './patterns.js';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'] as const;
export const ACTION_NAMES = ['inspect', 'copy', 'promote', 'admin'] as const;
export const RECEIVER_FORMATS = ['distribution', 'github', 'pubsub', 'harbor', 'acr', 'dockerhub', 'quay'] as const;

export const HOST_KEY = /^[a-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9a-f:.]+\](:[0-9]{1,5})?$/i;
const RULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const RECEIVER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const SecretValueSchema = z.union([z.string(), z.strictObject({ secret: z.string().min(1) })], { error: 'expected a string or {"secret": "NAME"}' });

const seconds = (min: number, why = `expected seconds >= ${min}`) => z.number({ error: why }).finite().min(min, why);
const positiveInt = (min: number, what = 'an integer') => z.number({ error: `expected ${what} >= ${min}` }).int(`expected ${what} >= ${min}`).min(min, `expected ${what} >= ${min}`);

const HttpUrl = z.string().refine((v) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'only http(s) URLs');

/**
 * Amazon ECR: registry passwords are 12-hour tokens from ECR's GetAuthorizationToken, called with AWS
 * keys: temporary ones from STS for Ferry's own OIDC token (roleArn: no stored secret), or static keys.
 */
const AwsSchema = z
  .strictObject({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as "us-east-1"'),
    /** The role Ferry assumes with its own token (AssumeRoleWithWebIdentity). */
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'expected "arn:aws:iam::<account>:role/<name>"').optional(),
    /** The audience the role's trust policy expects (default "sts.amazonaws.com"). */
    audience: z.string().min(1).optional(),
    sessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, 'expected 2-64 of A-Z a-z 0-9 _ + = , . @ -').optional(),
    /** Static keys: the fallback where no federation is set up. */
    accessKeyId: SecretValueSchema.optional(),
    secretAccessKey: SecretValueSchema.optional(),
    sessionToken: SecretValueSchema.optional(),
    /** ECR Public (public.ecr.aws: its own API, in us-east-1); default: whether the host is public.ecr.aws. */
    public: z.boolean().optional(),
    /** Create a repository that does not exist yet (ECR's CreateRepository) before pushing to it; audited. */
    createRepositories: z.boolean().optional(),
    /** Where STS and ECR are answered, for tests and private clouds: only in the static configuration. */
    endpoints: z.strictObject({ sts: HttpUrl.optional(), ecr: HttpUrl.optional() }).optional(),
  })
  .refine((a) => (a.roleArn !== undefined) !== (a.accessKeyId !== undefined || a.secretAccessKey !== undefined), 'give roleArn (federation) or accessKeyId and secretAccessKey, not both')
  .refine((a) => (a.accessKeyId === undefined) === (a.secretAccessKey === undefined), 'accessKeyId and secretAccessKey go together');

/**
 * Google Artifact Registry / GCR: an OAuth access token (user "oauth2accesstoken"), from Workload
 * Identity Federation with Ferry's own token (no stored secret), or from a service-account key.
 */
const GoogleSchema = z
  .strictObject({
    /** "projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>". */
    workloadIdentityProvider: z
      .string()
      .regex(/^projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32}$/, 'expected "projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>"')
      .optional(),
    /** The service account to impersonate with the federated token (its e-mail). */
    serviceAccount: z.string().regex(/^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$/, 'expected a service account e-mail (…@….iam.gserviceaccount.com)').optional(),
    /** The audience the provider expects (default: https://iam.googleapis.com/<provider>). */
    audience: z.string().min(1).optional(),
    /** A service-account key (its JSON file): the fallback where no federation is set up. */
    serviceAccountKey: SecretValueSchema.optional(),
    endpoints: z.strictObject({ sts: HttpUrl.optional(), iamCredentials: HttpUrl.optional(), oauth2: HttpUrl.optional() }).optional(),
  })
  .refine((g) => (g.workloadIdentityProvider !== undefined) !== (g.serviceAccountKey !== undefined), 'give workloadIdentityProvider (federation) or serviceAccountKey, not both');

/**
 * Azure Container Registry: an Entra ID access token (for Ferry's own token through a federated
 * credential, or with a client secret) exchanged at the registry's /oauth2/exchange for ACR's refresh
 * token, which the registry's token endpoint then trades for scoped access tokens.
 */
const AzureSchema = z.strictObject({
  tenantId: z.string().regex(/^[0-9a-f-]{36}$|^[a-z0-9.-]+$/i, 'expected the Entra tenant id'),
  /** The app registration (or managed identity) client id. */
  clientId: z.string().min(1),
  /** The fallback where no federated credential is set up. */
  clientSecret: SecretValueSchema.optional(),
  /** The audience the federated credential expects (default "api://AzureADTokenExchange"). */
  audience: z.string().min(1).optional(),
  endpoints: z.strictObject({ entra: HttpUrl.optional(), acrExchange: HttpUrl.optional() }).optional(),
});

/**
 * GHCR with a GitHub App (experimental: public reports disagree on whether ghcr.io takes installation
 * tokens for pulls): the App's key signs a JWT that GitHub trades for an installation token (an hour).
 */
const GithubAppSchema = z.strictObject({
  /** The App's id (digits) or client id ("Iv1.…"): the JWT's issuer. */
  appId: z.string().regex(/^\d{1,20}$|^Iv[0-9A-Za-z.]{3,40}$/, 'expected the App id (digits) or its client id ("Iv1.…")'),
  installationId: z.string().regex(/^\d{1,20}$/, 'expected the installation id (digits)'),
  /** The App's private key as GitHub gives it (PEM, PKCS #1 or #8). */
  privateKey: SecretValueSchema,
  /** GitHub's REST API (GitHub Enterprise Server: https://<host>/api/v3/): only in the static configuration. */
  endpoints: z.strictObject({ api: HttpUrl.optional() }).optional(),
});

export const RegistrySchema = z.strictObject({
  insecure: z.boolean().optional(),
  credentials: z
    .strictObject({
      username: SecretValueSchema.optional(),
      password: SecretValueSchema.optional(),
      token: SecretValueSchema.optional(),
      identityToken: SecretValueSchema.optional(),
      aws: AwsSchema.optional(),
      google: GoogleSchema.optional(),
      azure: AzureSchema.optional(),
      githubApp: GithubAppSchema.optional(),
    })
    .optional(),
  mirrors: z.array(HttpUrl).optional(),
  headers: z
    .record(z.string(), z.string())
    .refine((h) => !Object.keys(h).some((k) => k.toLowerCase() === 'authorization'), 'set credentials, not an Authorization header')
    .optional(),
  authHosts: z.array(z.string().min(1)).optional(),
  blobHosts: z.array(z.string().min(1)).optional(),
  upload: z.strictObject({ mode: z.enum(['monolithic', 'chunked']).optional(), chunkSize: positiveInt(1024, 'bytes').optional() }).optional(),
});

export const TagFilterSchema = z.strictObject({
  /** An unanchored RE2 search over tags (skopeo sync's images-by-tag-regex); ^...$ for a full match. */
  regex: z.string().optional(),
  semver: z.string().optional(),
  exact: z.string().optional(),
  match: z.unknown().refine(() => false, MATCH_RENAMED).optional(),
});

/** What a rule that still says `requireSignature` (which only saw that a signature existed) is told. */
export const REQUIRE_SIGNATURE_REPLACED =
  'replaced by "verify": list the signers you accept, e.g. "verify": {"signers": [{"kind": "cosign-key", "publicKey": {"secret": "COSIGN_PUB"}}]}';

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
  .refine((v) => (v.signers?.length ?? 0) + (v.attestations?.length ?? 0) > 0, 'expected at least one signer or attestation');

/** A promotion rule as the configuration and `PUT /v1/rules/<name>` spell it (the name comes from the path there). */
export const RuleBodySchema = z.strictObject({
  source: z.strictObject({ repository: z.string().includes('/', { error: 'expected "registry/repository"' }), tags: TagFilterSchema.optional() }),
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
  /** Promote only what an accepted signer signed (src/signatures/). */
  verify: VerifySchema.optional(),
  requireSignature: z.unknown().refine(() => false, REQUIRE_SIGNATURE_REPLACED).optional(),
});

const RuleSchema = RuleBodySchema.extend({ name: z.string().regex(RULE_NAME, 'rule names are 1-64 of A-Z a-z 0-9 _ . -') });

const GrantSchema = z.strictObject({
  apiKey: z.string().min(1).optional(),
  issuer: z.string().min(1).optional(),
  claims: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), { error: 'expected claim names mapped to exact values' }).optional(),
  actions: z.array(z.enum(ACTION_NAMES, { error: `expected some of ${ACTION_NAMES.join(', ')}` })).min(1, `expected some of ${ACTION_NAMES.join(', ')}`),
  repositories: z.array(z.string().includes('/', { error: 'expected globs like "ghcr.io/org/**"' })).min(1, 'expected globs like "ghcr.io/org/**"'),
});

const CallersSchema = z.strictObject({
  anonymous: z.boolean().optional(),
  /**
   * Anonymous callers beyond loopback (a deployed worker, a server bound to a public address): every
   * request gets every grant. Refused unless this acknowledgement is set.
   */
  anonymousBeyondLoopback: z.literal('I understand that anyone who can reach Ferry can use every grant').optional(),
  apiKeys: z.array(z.strictObject({ name: z.string().min(1, 'expected a name'), sha256: SecretValueSchema })).optional(),
  oidc: z
    .array(
      z.strictObject({
        issuer: z.string().min(1, 'expected the issuer URL'),
        jwksUri: HttpUrl.optional(),
        audience: z.string().min(1, 'expected the exact audience'),
        algorithms: z.array(z.enum(ALGORITHMS, { error: `expected asymmetric algorithms from ${ALGORITHMS.join(', ')}` })).min(1, `expected asymmetric algorithms from ${ALGORITHMS.join(', ')}`).optional(),
        clockToleranceSeconds: seconds(0).optional(),
        maxTokenAgeSeconds: seconds(0).optional(),
        jwksCooldownSeconds: seconds(0).optional(),
      }),
    )
    .optional(),
  grants: z.array(GrantSchema).optional(),
});

const ReceiverSchema = z.strictObject({
  format: z.enum(RECEIVER_FORMATS, { error: `supported: ${RECEIVER_FORMATS.map((f) => `"${f}"`).join(', ')}` }),
  registry: z.string().min(1, 'expected host[:port]'),
  secret: SecretValueSchema.optional(),
  token: z
    .strictObject({
      audience: z.string().min(1),
      issuer: z.string().optional(),
      jwksUri: HttpUrl.optional(),
      /** The push subscription's service account: the token's verified `email` must be this. */
      serviceAccountEmail: z.string().optional(),
    })
    .optional(),
  header: z.string().regex(/^[A-Za-z0-9-]+$/, "the custom header's name").optional(),
});

export const LimitsSchema = z.strictObject({
  /** Children one index may list. */
  indexChildren: positiveInt(1).optional(),
  /** Indexes nested in indexes. */
  indexDepth: positiveInt(1).optional(),
  /** Index children fetched at once while planning. */
  indexConcurrency: positiveInt(1).optional(),
  /** Tags one sync (`tags: "all"` or a pattern, a rule) may take. */
  tagsPerSync: positiveInt(1).optional(),
  /** How long a caller or webhook sender may take to send its request body. */
  bodyTimeoutSeconds: seconds(1).optional(),
});

/** Ferry as an OIDC workload identity: the issuer clouds federate with, and the keys it signs with. */
const IdentitySchema = z
  .strictObject({
    /** Where Ferry is reached: the tokens' issuer; discovery and keys are served below it. */
    publicUrl: HttpUrl,
    /** Signing keys (PKCS #8 PEM), each published by its id; several allow rotation. */
    keys: z.array(z.strictObject({ kid: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'key ids are 1-64 of A-Z a-z 0-9 _ . -'), privateKey: SecretValueSchema })).min(1, 'expected at least one signing key'),
    /** The key that signs; the others are only published (default: the first). */
    activeKid: z.string().optional(),
    algorithm: z.enum(['RS256', 'ES256'], { error: 'expected "RS256" (accepted by AWS, Google and Entra) or "ES256"' }).optional(),
  })
  .refine((i) => i.activeKid === undefined || i.keys.some((k) => k.kid === i.activeKid), 'activeKid names none of the keys')
  .refine((i) => new Set(i.keys.map((k) => k.kid)).size === i.keys.length, 'key ids must differ');

/**
 * Registry entries admins add through `PUT /v1/registries/<host>` (stored in the consistent store, their
 * secret values sealed with AES-GCM under these keys), and what such entries may reach.
 */
const ManagedRegistriesSchema = z
  .strictObject({
    /** Keys that seal stored credentials: 32 random bytes, base64; each by its id, so old entries stay readable after a rotation. */
    keys: z.array(z.strictObject({ kid: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'key ids are 1-64 of A-Z a-z 0-9 _ . -'), key: SecretValueSchema })).optional(),
    /** The key that seals new values (default: the first). */
    activeKid: z.string().optional(),
    /** Let API entries name private, loopback or link-local addresses (default: public addresses only). */
    allowPrivateAddresses: z.boolean().optional(),
    /** Let API entries speak plain http (default: https only). */
    allowInsecure: z.boolean().optional(),
    /** How long an instance uses the entries it read before reading them again (default 30). */
    cacheSeconds: seconds(0).optional(),
  })
  .refine((m) => m.activeKid === undefined || (m.keys ?? []).some((k) => k.kid === m.activeKid), 'activeKid names none of the keys');

/** The web console (src/http/console/): browser sessions for API-key callers, or Cloudflare Access. */
const ConsoleSchema = z.strictObject({
  /** Signs session cookies (HMAC-SHA256): 32+ random bytes, e.g. `openssl rand -base64 32`. Without it, only anonymous mode has a console. */
  sessionSecret: SecretValueSchema.optional(),
  /**
   * Behind Cloudflare Access: the `Cf-Access-Jwt-Assertion` header is verified as a token of this issuer
   * (`https://<team>.cloudflareaccess.com`, configured in `callers.oidc` with the application's AUD tag as
   * its audience); grants name the issuer and claims such as `email`.
   */
  cloudflareAccess: z.strictObject({ issuer: z.string().min(1, 'expected https://<team>.cloudflareaccess.com') }).optional(),
});

export const ConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  registries: z.record(z.string().regex(HOST_KEY, 'expected host[:port]'), RegistrySchema).optional(),
  allowPublicRegistries: z.boolean().optional(),
  cache: z.strictObject({ tagTtlSeconds: seconds(0).optional() }).optional(),
  copy: z
    .strictObject({
      concurrency: z.number().int().min(1).max(64, 'expected an integer from 1 to 64').optional(),
      idleTimeoutSeconds: z.number().gt(0, 'expected seconds > 0').optional(),
      retryBudget: positiveInt(0).optional(),
      resumeDownloads: z.boolean().optional(),
      syncMaxTags: positiveInt(0).optional(),
      syncBudget: z.strictObject({ subrequests: positiveInt(1).optional(), kvOperations: positiveInt(1).optional() }).optional(),
    })
    .optional(),
  jobs: z.strictObject({ staleAfterSeconds: seconds(3).optional(), stepBytes: positiveInt(1024, 'bytes').optional() }).optional(),
  limits: LimitsSchema.optional(),
  callers: CallersSchema.optional(),
  promotion: z.strictObject({ rules: z.array(RuleSchema) }).optional(),
  webhooks: z.strictObject({ receivers: z.record(z.string().regex(RECEIVER_ID, 'ids are 1-64 of A-Z a-z 0-9 _ -'), ReceiverSchema) }).optional(),
  identity: IdentitySchema.optional(),
  managedRegistries: ManagedRegistriesSchema.optional(),
  console: ConsoleSchema.optional(),
});

export type ConfigDocument = z.infer<typeof ConfigSchema>;

let published: unknown;
/** The schema as JSON Schema (draft 2020-12), served at GET /config.schema.json for editors and CI. */
export function configJsonSchema(): unknown {
  return (published ??= { ...z.toJSONSchema(ConfigSchema, { io: 'input' }), $id: 'urn:ferry:config', title: 'Ferry configuration (FERRY_CONFIG)' });
}
export type RuleBody = z.infer<typeof RuleBodySchema>;

export interface ConfigProblem {
  path: string;
  message: string;
}

/** `registries["a.io"].credentials.password`: the path as one would write it in JavaScript. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || 'top level';
}

type AnySchema = { _zod: { def: Record<string, any> } };

/** The keys an object in the schema allows at `path` (through optionals, records, arrays and unions). */
function allowedKeys(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let nodes: AnySchema[] = [schema];
  const unwrap = (node: AnySchema): AnySchema[] => {
    const def = node._zod.def;
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') return unwrap(def.innerType);
    if (def.type === 'union') return (def.options as AnySchema[]).flatMap(unwrap);
    if (def.type === 'pipe') return unwrap(def.in);
    return [node];
  };
  for (const step of path) {
    nodes = nodes.flatMap(unwrap).flatMap((node) => {
      const def = node._zod.def;
      if (def.type === 'object') return def.shape[step as string] ? [def.shape[step as string]] : [];
      if (def.type === 'record') return [def.valueType];
      if (def.type === 'array') return [def.element];
      return [];
    });
  }
  return nodes.flatMap(unwrap).flatMap((node) => (node._zod.def.type === 'object' ? Object.keys(node._zod.def.shape) : []));
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const held = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      previous = held;
    }
  }
  return row[b.length]!;
}

/** The allowed key a typo most likely meant: within a third of its length (at least 2 edits), else none. */
export function didYouMean(key: string, allowed: string[]): string | undefined {
  const ranked = allowed.map((a) => ({ a, d: distance(key, a) })).sort((x, y) => x.d - y.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.a : undefined;
}

/** Every problem zod found, as paths and plain messages (never the offending value: it may be a secret). */
export function schemaProblems(error: z.ZodError, schema: AnySchema = ConfigSchema): ConfigProblem[] {
  return error.issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, issue.path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, allowed);
        return { path: formatPath(issue.path), message: `unknown field "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}` };
      });
    }
    if (issue.code === 'invalid_union' && issue.path.length && issue.message === 'Invalid input') return [{ path: formatPath(issue.path), message: 'has the wrong type or shape' }];
    if (issue.code === 'invalid_key') return [{ path: formatPath(issue.path), message: issue.issues[0]?.message ?? 'is not a valid key' }];
    const message = issue.message.startsWith('Invalid input: expected') ? issue.message.replace('Invalid input: ', '') : issue.message;
    return [{ path: formatPath(issue.path), message }];
  });
}
