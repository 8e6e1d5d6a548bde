// The one schema of Ferry's configuration document, composed of each section's schema (beside its builder:
// registries.ts, callers.ts, rules.ts, webhooks.ts, identity.ts, managed-registries.ts, console.ts) and the
// service-wide settings parse.ts reads directly (cache, copy, jobs, limits). Every object is strict: an
// unknown key anywhere (a typo such as "requireSignatures") is an error naming its path. Secrets stay
// unresolved here: values are either inline strings or {"secret": "NAME"}; parse.ts resolves and
// cross-checks after this.

import { FrontSchema } from './front.js';
import { z } from 'zod';
import { CallersSchema } from './callers.js';
import { RegistrySchema } from './registries.js';
import { RuleSchema } from './rules.js';
import { SyncSetSchema } from './syncs.js';
import { WebhooksSchema } from './webhooks.js';
import { EventsSchema } from './events.js';
import { ConsoleSchema } from './console.js';
import { IdentitySchema } from './identity.js';
import { ManagedRegistriesSchema } from './managed-registries.js';
import { HOST_KEY, positiveInt, seconds } from './values.js';

export const LimitsSchema = z.strictObject({
  /** Children one index may list. */
  indexChildren: positiveInt(1).optional(),
  /** Indexes nested in indexes. */
  indexDepth: positiveInt(1).optional(),
  /** Index children fetched at once while planning. */
  indexConcurrency: positiveInt(1).optional(),
  /** Tags one sync (`tags: "all"` or a pattern, a rule) may take. */
  tagsPerSync: positiveInt(1).optional(),
  /** Referrers of one manifest read at most, across every page (the API or the fallback index). */
  referrerEntries: positiveInt(1).optional(),
  /** Bytes of referrer listings read at most for one manifest, across every page. */
  referrerBytes: positiveInt(1024, 'bytes').optional(),
  /** How long a caller or webhook sender may take to send its request body. */
  bodyTimeoutSeconds: seconds(1).optional(),
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
    .strictObject({
      staleAfterSeconds: seconds(3).optional(),
      stepBytes: positiveInt(1024, 'bytes').optional(),
      /** In a Workflow job, the longest a step waits for a registry's hold; a longer one is slept between steps. */
      registryWaitInStepSeconds: seconds(1).optional(),
      /** Jobs at once in one process (Node, Deno, Bun), and everywhere per tenant and per registry they reach. */
      concurrency: positiveInt(1).optional(),
      tenantConcurrency: positiveInt(1).optional(),
      registryConcurrency: positiveInt(1).optional(),
    })
    .optional(),
  limits: LimitsSchema.optional(),
  /** Deadlines of every request to a registry, token server, cloud endpoint or webhook callback. */
  upstream: z
    .strictObject({
      connectTimeoutSeconds: z.number().gt(0, 'expected seconds > 0').optional(),
      headersTimeoutSeconds: z.number().gt(0, 'expected seconds > 0').optional(),
      idleTimeoutSeconds: z.number().gt(0, 'expected seconds > 0').optional(),
    })
    .optional(),
  callers: CallersSchema.optional(),
  promotion: z
    .strictObject({
      rules: z.array(RuleSchema).optional(),
      /** Secrets a rule put through the API may name (`{"secret": NAME}`): no others, set or not. */
      ruleSecrets: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  webhooks: WebhooksSchema.optional(),
  events: EventsSchema.optional(),
  identity: IdentitySchema.optional(),
  managedRegistries: ManagedRegistriesSchema.optional(),
  console: ConsoleSchema.optional(),
  front: FrontSchema.optional(),
  /** Sync sets: repositories mirrored into a target registry by their tags, signatures travelling along. */
  syncs: z.array(SyncSetSchema).optional(),
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
