// The `front` part of the configuration: the registry front (`/v2/`), which upstreams it serves under
// which names, and how long a token it issues lives.

import { z } from 'zod';
import type { ConfigProblems } from './problems.js';
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
        /**
         * Pass on the upstream's redirect of a blob GET to its storage (one of the registry's `blobHosts`,
         * checked as any redirect is), so the bytes never cross Ferry. Off: Ferry streams them.
         */
        passBlobRedirects: z.boolean().optional(),
        /**
         * A registry you own that keeps what is pulled (a pull-through cache): a pulled tag is copied there by
         * a job (one per image, however many pull it at once); digests are served from there once it holds
         * them, and tags too when the upstream fails.
         */
        cacheInto: z
          .strictObject({
            registry: z.string().regex(HOST_KEY, 'expected host[:port]'),
            prefix: z.string().regex(PREFIX, 'expected repository path components').optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  /**
   * Registries served in containerd's mirror form, `/v2/<repository>/…?ns=<host>` (a `hosts.toml` naming
   * Ferry as the host's mirror): each by itself, or by the `registry` (and `prefix`) given.
   */
  namespaces: z
    .record(
      z.string().regex(HOST_KEY, 'expected the host[:port] clients name, e.g. "docker.io"'),
      z.strictObject({
        registry: z.string().regex(HOST_KEY, 'expected host[:port]').optional(),
        prefix: z.string().regex(PREFIX, 'expected repository path components, e.g. "team/mirror"').optional(),
      }),
    )
    .optional(),
  /**
   * The alias that serves names under no alias, `/v2/<repository>/…` (Docker's `registry-mirrors` takes a
   * URL without a path, for docker.io only: `"root": "hub"` with `"hub": {"registry": "docker.io"}`).
   */
  root: z.string().regex(ALIAS, 'expected the name of an alias').optional(),
  /** How long a token from `/v1/token` lives (default 300, at most 3600): a revoked key's token lives on that long. */
  tokenTtlSeconds: seconds(30).max(3600, 'expected at most 3600 seconds').optional(),
});

export interface FrontAlias {
  registry: string;
  prefix?: string;
  /** Where what is pulled is kept (`cacheInto`). */
  cacheInto?: { registry: string; prefix?: string };
  /** Blob redirects to storage passed on to the client. */
  passBlobRedirects?: boolean;
}

export interface FrontConfig {
  aliases: Map<string, FrontAlias>;
  /** containerd's `?ns=` hosts, each with the upstream that serves it. */
  namespaces: Map<string, FrontAlias>;
  root?: FrontAlias;
  tokenTtlSeconds: number;
}

const DEFAULT_TOKEN_TTL_SECONDS = 300;

const upstream = (registry: string, prefix?: string): FrontAlias => ({
  registry: registry.toLowerCase(),
  ...(prefix ? { prefix } : {}),
});

export function buildFront(front: z.infer<typeof FrontSchema>, problems: ConfigProblems): FrontConfig {
  const aliases = new Map<string, FrontAlias>();
  for (const [name, alias] of Object.entries(front.aliases ?? {})) {
    const into = alias.cacheInto;
    aliases.set(name, {
      ...upstream(alias.registry, alias.prefix),
      ...(alias.passBlobRedirects ? { passBlobRedirects: true } : {}),
      ...(into ? { cacheInto: upstream(into.registry, into.prefix) } : {}),
    });
  }
  const namespaces = new Map<string, FrontAlias>();
  for (const [host, entry] of Object.entries(front.namespaces ?? {}))
    namespaces.set(host.toLowerCase(), upstream(entry.registry ?? host, entry.prefix));
  const root = front.root === undefined ? undefined : aliases.get(front.root);
  if (front.root !== undefined && !root) problems.add('front.root', `"${front.root}" is not in front.aliases`);
  return {
    aliases,
    namespaces,
    ...(root ? { root } : {}),
    tokenTtlSeconds: front.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
  };
}
