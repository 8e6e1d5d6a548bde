// A repository's tags as the console lists them: every tag read once (up to the client's cap), narrowed by a
// filter, ordered by version (0.10.0 after 0.2.0, newest first) or by name, and cut into numbered pages, so a
// page can link both ways.

import type { Deps } from '../../deps.js';
import { listTags } from './read.js';

export type TagOrder = 'version' | 'name';

export interface TagPage {
  name: string;
  tags: string[];
  /** Tags that pass the filter, across all pages. */
  total: number;
  page: number;
  pages: number;
}

// Digits compared as numbers ("0.10.0" after "0.2.0"), as a person reads versions.
const byVersion = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export async function tagPage(
  deps: Deps,
  repository: string,
  options: { filter?: string; order?: TagOrder; page?: number; perPage: number },
): Promise<TagPage> {
  const listed = await listTags(deps, repository, {});
  const filter = options.filter?.trim().toLowerCase() ?? '';
  const kept = filter ? listed.tags.filter((t) => t.toLowerCase().includes(filter)) : [...listed.tags];
  if (options.order === 'name') kept.sort();
  else kept.sort((a, b) => byVersion.compare(b, a));
  const pages = Math.max(1, Math.ceil(kept.length / options.perPage));
  const page = Math.min(Math.max(1, options.page ?? 1), pages);
  const start = (page - 1) * options.perPage;
  return { name: listed.name, tags: kept.slice(start, start + options.perPage), total: kept.length, page, pages };
}
