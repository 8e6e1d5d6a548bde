// HTTP caching of what a digest names (immutable) and of what a tag names (for `cache.tagTtlSeconds`).

/** True when If-None-Match names this ETag (or *). */
export function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/** Private: every answer depends on who asked. */
export function cacheControl(byDigest: boolean, tagTtl: number): string {
  return byDigest ? 'private, max-age=31536000, immutable' : `private, max-age=${tagTtl}`;
}
