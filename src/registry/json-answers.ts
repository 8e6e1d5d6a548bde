// A registry's JSON answers (tag lists, catalogs, referrers) read within a cap, and the Link header that
// pages them, which must stay on the origin that answered.

import { AppError } from '../errors.js';
import { readLimited } from './body.js';

export async function readJson(response: Response, limit: number, what: string): Promise<Record<string, unknown>> {
  let raw: Uint8Array;
  try {
    raw = await readLimited(response, limit);
  } catch {
    throw notJson(what);
  }
  return parseJsonObject(raw, what);
}

const notJson = (what: string) =>
  new AppError('UPSTREAM_PROTOCOL', `${what}: the registry sent a body that is not the expected JSON`);

export function parseJsonObject(raw: Uint8Array, what: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(raw));
    if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
  } catch {
    // not JSON
  }
  throw notJson(what);
}

/** The rel="next" target of a Link header, which must stay on the endpoint's origin. */
export function nextLink(header: string | null, current: URL, check: (raw: string) => URL): URL | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = part.match(/<([^>]*)>\s*;(.*)/);
    if (m && /rel="?next"?/i.test(m[2] ?? '')) {
      const url = check(new URL(m[1] ?? '', current).toString());
      if (url.origin !== current.origin)
        throw new AppError('UPSTREAM_PROTOCOL', 'the registry paginated to another host');
      return url;
    }
  }
  return undefined;
}

/**
 * Where a page without a Link goes on when it came back full (`n` entries): go-containerregistry's registry
 * cuts pages at n and never links the next, against the spec. The next page starts after this one's last
 * entry (at worst an empty page); a short page is the last.
 */
export function fullPageNext(path: string, base: string, page: string[], n: number): URL | undefined {
  if (page.length === 0 || page.length !== n) return undefined;
  const next = new URL(path, base);
  next.searchParams.set('last', page[page.length - 1]!);
  return next;
}
