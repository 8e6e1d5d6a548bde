// Request and response shapes, once: the routes validate with them and /openapi.json is generated from them.

import { z } from 'zod';
import { AppError } from '../errors.js';

const PLATFORM = /^[a-z0-9_.-]+\/[a-z0-9_.-]+(\/[a-z0-9_.-]+)?$/i;

export const CopyRequestSchema = z
  .object({
    source: z.string().min(1).describe('Image reference to copy from; a repository when `tags` is "all" or {match}'),
    target: z.string().min(1).describe('Repository or tag to copy to; without a tag, the source tag'),
    tags: z
      .union([
        z.array(z.string()).describe('extra target tags'),
        z.literal('all'),
        z
          .object({
            regex: z
              .string()
              .describe('an unanchored RE2 search over the source tags, as skopeo sync; ^...$ for a full match'),
          })
          .strict(),
      ])
      .optional()
      .describe('Extra target tags, or which source tags to copy ("all" or {"regex"})'),
    platforms: z
      .union([z.literal('all'), z.array(z.string().regex(PLATFORM, 'must look like os/arch[/variant]')).min(1)])
      .optional(),
    unwrap: z.boolean().optional().describe('With one platform: tag that platform manifest itself'),
    verify: z.boolean().optional().describe('Hash blob bytes in flight and abort on mismatch'),
    noClobber: z
      .boolean()
      .optional()
      .describe(
        "true: a target tag that names another image is not moved (crane's --no-clobber): one image is refused " +
          'with TAG_EXISTS before any byte moves; with "all" or {regex}, such tags are skipped',
      ),
    referrers: z
      .union([
        z.boolean(),
        z
          .object({ artifactTypes: z.array(z.string().min(1)).min(1).describe('only referrers of these types') })
          .strict(),
      ])
      .optional()
      .describe(
        'Copy signatures, attestations and SBOMs along (cosign tags and OCI referrers, recursively); off by default',
      ),
    wait: z
      .boolean()
      .optional()
      .describe('false: answer 202 with a job id at once and copy in the background (a job: GET /v1/jobs/<id>)'),
  })
  .strict();

export const TagRequestSchema = z
  .object({
    source: z
      .string()
      .min(1)
      .describe('registry/repository:tag or @digest: the image to name again, in its repository'),
    tags: z.array(z.string().min(1)).min(1).max(100).describe('the new tags, written in the same repository'),
  })
  .strict();

export const SyncRunRequestSchema = z
  .object({
    dryRun: z.boolean().optional().describe('true: answer with the plan (copy, skip or prune per tag), write nothing'),
    repository: z
      .string()
      .includes('/', { error: 'expected "registry/repository"' })
      .optional()
      .describe('One source repository of the set ("registry/repository") to sync alone'),
  })
  .strict();

export const PromoteRequestSchema = z
  .object({
    source: z
      .string()
      .min(1)
      .describe(
        'registry/repository:tag[@digest] to promote; the digest, when given, must still be what the tag names',
      ),
    rule: z.string().min(1).describe('the name of a configured promotion rule'),
    dryRun: z.boolean().optional().describe('true (default): only return the plan'),
  })
  .strict();

export const InspectQuerySchema = z.object({
  platform: z.string().regex(PLATFORM, 'must look like os/arch[/variant]').optional(),
});
export const DiffQuerySchema = z.object({
  to: z
    .string({ error: 'is required: the reference to compare with' })
    .min(1, 'is required: the reference to compare with'),
});
export const TagsQuerySchema = z.object({
  n: z
    .string()
    .regex(/^[1-9][0-9]{0,4}$/, 'must be a page size from 1 to 99999')
    .optional(),
  last: z.string().optional(),
});
export const JobsQuerySchema = z
  .object({
    state: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']).optional(),
    kind: z.enum(['copy', 'promote']).optional(),
    rule: z.string().min(1).optional(),
    parent: z.string().min(1).describe("a job's id: its batches").optional(),
    limit: z
      .string()
      .regex(/^[1-9][0-9]{0,2}$/, 'must be 1 to 999')
      .optional(),
    cursor: z.string().optional(),
  })
  .strict();
export const AuditQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'must be 1 to 999')
    .optional(),
  cursor: z.string().optional(),
});

export const DeadLettersQuerySchema = AuditQuerySchema.extend({
  sink: z.string().min(1, 'the sink whose dead letters to list'),
});

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable error code'),
    detail: z.string(),
    requestId: z
      .string()
      .describe("the request's id, as its x-request-id header and Ferry's log lines give it")
      .optional(),
  })
  .catchall(z.unknown());

export const CopyResultSchema = z.object({
  source: z.string(),
  target: z.string(),
  digest: z.string(),
  size: z.number().int(),
  mediaType: z.string(),
  tags: z.array(z.string()),
  platforms: z.array(z.string()).optional(),
  indexDigestChanged: z.boolean().optional(),
});

export const CopyEventSchema = z
  .object({
    type: z.enum([
      'resolved',
      'plan',
      'skipped',
      'mounted',
      'started',
      'progress',
      'resumed',
      'retrying',
      'done',
      'pushed',
      'tag-skipped',
      'error',
    ]),
  })
  .catchall(z.unknown());

export const InspectResultSchema = z
  .object({
    reference: z.string(),
    digest: z.string(),
    mediaType: z.string(),
    size: z.number().int(),
    kind: z.enum(['index', 'image', 'schema1']),
  })
  .catchall(z.unknown());

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['copy', 'promote']),
    state: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .catchall(z.unknown());

export const TagListSchema = z.object({ name: z.string(), tags: z.array(z.string()), next: z.string().optional() });

export const AuditListSchema = z.object({
  records: z.array(z.record(z.string(), z.unknown())),
  cursor: z.string().optional(),
});

/** Validates with a schema; the first problem becomes an INVALID_REQUEST naming the field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys')
    throw new AppError('INVALID_REQUEST', `${what}: unknown field "${issue.keys[0]}"`);
  const field = issue.path.length ? `"${issue.path.join('.')}"` : 'the value';
  throw new AppError(
    'INVALID_REQUEST',
    `${what}: ${field} ${issue.message === 'Invalid input' ? 'has the wrong type or value' : issue.message}`,
  );
}
