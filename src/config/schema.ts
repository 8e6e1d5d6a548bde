// The one schema of Ferry's configuration document. Every object is strict: an unknown key anywhere (a
// typo such as "requireSignatures") is an error naming its path. Secrets stay unresolved here: values
// are either inline strings or {"secret": "NAME"}; parse.ts resolves and cross-checks after this.

import { z } from 'zod';
import { CallersSchema } from './callers.js';
import { RegistrySchema } from './registries.js';
import { RuleSchema } from './rules.js';
import { WebhooksSchema } from './webhooks.js';
import { HOST_KEY, HttpUrl, positiveInt, SecretValueSchema, seconds } from './values.js';

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
    keys: z
      .array(
        z.strictObject({
          kid: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'key ids are 1-64 of A-Z a-z 0-9 _ . -'),
          privateKey: SecretValueSchema,
        }),
      )
      .min(1, 'expected at least one signing key'),
    /** The key that signs; the others are only published (default: the first). */
    activeKid: z.string().optional(),
    algorithm: z
      .enum(['RS256', 'ES256'], { error: 'expected "RS256" (accepted by AWS, Google and Entra) or "ES256"' })
      .optional(),
  })
  .refine(
    (i) => i.activeKid === undefined || i.keys.some((k) => k.kid === i.activeKid),
    'activeKid names none of the keys',
  )
  .refine((i) => new Set(i.keys.map((k) => k.kid)).size === i.keys.length, 'key ids must differ');

/**
 * Registry entries admins add through `PUT /v1/registries/<host>` (stored in the consistent store, their
 * secret values sealed with AES-GCM under these keys), and what such entries may reach.
 */
const ManagedRegistriesSchema = z
  .strictObject({
    /**
     * Keys that seal stored credentials: 32 random bytes, base64; each by its id, so old entries stay readable after a
     * rotation.
     */
    keys: z
      .array(
        z.strictObject({
          kid: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'key ids are 1-64 of A-Z a-z 0-9 _ . -'),
          key: SecretValueSchema,
        }),
      )
      .optional(),
    /** The key that seals new values (default: the first). */
    activeKid: z.string().optional(),
    /** Let API entries name private, loopback or link-local addresses (default: public addresses only). */
    allowPrivateAddresses: z.boolean().optional(),
    /** Let API entries speak plain http (default: https only). */
    allowInsecure: z.boolean().optional(),
    /** How long an instance uses the entries it read before reading them again (default 30). */
    cacheSeconds: seconds(0).optional(),
  })
  .refine(
    (m) => m.activeKid === undefined || (m.keys ?? []).some((k) => k.kid === m.activeKid),
    'activeKid names none of the keys',
  );

/** The web console (src/http/console/): browser sessions for API-key callers, or Cloudflare Access. */
const ConsoleSchema = z.strictObject({
  /**
   * Signs session cookies (HMAC-SHA256): 32+ random bytes, e.g. `openssl rand -base64 32`. Without it, only anonymous
   * mode has a console.
   */
  sessionSecret: SecretValueSchema.optional(),
  /**
   * Behind Cloudflare Access: the `Cf-Access-Jwt-Assertion` header is verified as a token of this issuer
   * (`https://<team>.cloudflareaccess.com`, configured in `callers.oidc` with the application's AUD tag as
   * its audience); grants name the issuer and claims such as `email`.
   */
  cloudflareAccess: z
    .strictObject({ issuer: z.string().min(1, 'expected https://<team>.cloudflareaccess.com') })
    .optional(),
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
      syncBudget: z
        .strictObject({ subrequests: positiveInt(1).optional(), kvOperations: positiveInt(1).optional() })
        .optional(),
    })
    .optional(),
  jobs: z
    .strictObject({ staleAfterSeconds: seconds(3).optional(), stepBytes: positiveInt(1024, 'bytes').optional() })
    .optional(),
  limits: LimitsSchema.optional(),
  callers: CallersSchema.optional(),
  promotion: z.strictObject({ rules: z.array(RuleSchema) }).optional(),
  webhooks: WebhooksSchema.optional(),
  identity: IdentitySchema.optional(),
  managedRegistries: ManagedRegistriesSchema.optional(),
  console: ConsoleSchema.optional(),
});

export type ConfigDocument = z.infer<typeof ConfigSchema>;

let published: unknown;
/** The schema as JSON Schema (draft 2020-12), served at GET /config.schema.json for editors and CI. */
export function configJsonSchema(): unknown {
  return (published ??= {
    ...z.toJSONSchema(ConfigSchema, { io: 'input' }),
    $id: 'urn:ferry:config',
    title: 'Ferry configuration (FERRY_CONFIG)',
  });
}
