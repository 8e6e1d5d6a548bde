// A repository's tags as the console lists them: every tag read once (up to the client's cap), narrowed by a
// filter, ordered by version (0.10.0 after 0.2.0, newest first), by name, or by the images' created time,
// and cut into numbered pages, so a page can link both ways.

import type { Deps } from '../../deps.js';
import { createdTime, summarizeTags, type TagSummary } from './inspect.js';
import { listTags } from './read.js';

export type TagOrder = 'version' | 'name' | 'created';

export interface TagPage {
  name: string;
  tags: string[];
  /** Tags that pass the filter, across all pages. */
  total: number;
  page: number;
  pages: number;
  /** The order used: by version when created time was asked for more tags than are read for it. */
  order: TagOrder;
  /** Sorting by created time reads each tag's image: refused above this many tags (filter first). */
  createdLimit: number;
  /** The page's tags summarized, when the order needed them (by created time). */
  summaries?: TagSummary[];
}

// Digits compared as numbers ("0.10.0" after "0.2.0"), as a person reads versions.
const byVersion = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

// Registries keep no push time, so the created time is the image's own, read from each tag's image (cached by
// digest once seen): a bounded number per page view.
export const CREATED_SORT_LIMIT = 200;

export async function tagPage(
  deps: Deps,
  repository: string,
  options: { filter?: string; order?: TagOrder; page?: number; perPage: number },
): Promise<TagPage> {
  const listed = await listTags(deps, repository, {});
  const filter = options.filter?.trim().toLowerCase() ?? '';
  const kept = filter ? listed.tags.filter((t) => t.toLowerCase().includes(filter)) : [...listed.tags];
  let order = options.order ?? 'version';
  if (order === 'created' && kept.length > CREATED_SORT_LIMIT) order = 'version';
  if (order === 'name') kept.sort();
  else kept.sort((a, b) => byVersion.compare(b, a));
  let summaries: TagSummary[] | undefined;
  if (order === 'created') {
    // Newest first; tags of equal or unknown time keep the version order.
    summaries = (await summarizeTags(deps, listed.name, kept)).sort(
      (a, b) => createdTime(b.created) - createdTime(a.created),
    );
    kept.splice(0, kept.length, ...summaries.map((s) => s.tag));
  }
  const pages = Math.max(1, Math.ceil(kept.length / options.perPage));
  const page = Math.min(Math.max(1, options.page ?? 1), pages);
  const start = (page - 1) * options.perPage;
  return {
    name: listed.name,
    tags: kept.slice(start, start + options.perPage),
    total: kept.length,
    page,
    pages,
    order,
    createdLimit: CREATED_SORT_LIMIT,
    ...(summaries ? { summaries: summaries.slice(start, start + options.perPage) } : {}),
  };
}
