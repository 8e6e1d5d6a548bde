// The `front` part of the configuration: the registry front (`/v2/`), which upstreams it serves under
// which names, and how long a token it issues lives.

import { z } from 'zod';
import { HOST_KEY, seconds } from './values.js';

// An alias is the first path component of a front name, as the distribution spec spells one.
const ALIAS = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const PREFIX = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export const FrontSchema = z.strictObject({
  /**
   * `/v2/<alias>/<repository>` serves `<registry>/<prefix>/<repository>`: e.g. `"hub": {"registry":
   * "docker.io"}` (Docker Hub's one-part names gain `library/`, as Docker does). The registry must be one
   * Ferry may reach (configured, or public with `allowPublicRegistries`).
   */
  aliases: z
    .record(
      z.string().regex(ALIAS, 'expected a lowercase path component, e.g. "hub"'),
      z.strictObject({
        registry: z.string().regex(HOST_KEY, 'expected host[:port]'),
        prefix: z.string().regex(PREFIX, 'expected repository path components, e.g. "team/mirror"').optional(),
      }),
    )
    .optional(),
  /** How long a token from `/v1/token` lives (default 300, at most 3600): a revoked key's token lives on that long. */
  tokenTtlSeconds: seconds(30).max(3600, 'expected at most 3600 seconds').optional(),
});

export interface FrontAlias {
  registry: string;
  prefix?: string;
}

export interface FrontConfig {
  aliases: Map<string, FrontAlias>;
  tokenTtlSeconds: number;
}

const DEFAULT_TOKEN_TTL_SECONDS = 300;

export function buildFront(front: z.infer<typeof FrontSchema>): FrontConfig {
  const aliases = new Map<string, FrontAlias>();
  for (const [name, alias] of Object.entries(front.aliases ?? {}))
    aliases.set(name, { registry: alias.registry.toLowerCase(), ...(alias.prefix ? { prefix: alias.prefix } : {}) });
  return { aliases, tokenTtlSeconds: front.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS };
}
