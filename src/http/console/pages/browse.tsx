/** @jsxImportSource hono/jsx */
// Browsing: the registries, a registry's catalog, a repository's tags.

import type { TagOrder, TagPage, TagSummary } from '../../../ops/inspect/index.js';
import { Columns, Copyable, age, imageUrl, size, tagsUrl } from './layout.js';

export function Registries(props: { registries: { host: string; origin: string }[] }) {
  return (
    <>
      <form method="get" action="/console/open" class="inline">
        <label for="repository">Repository</label>
        <input id="repository" name="repository" placeholder="registry/repository" required />
        <button type="submit">List tags</button>
      </form>
      <table>
        <caption>Registries you may read</caption>
        <Columns names={['Registry', 'Configured']} />
        <tbody>
          {props.registries.map((r) => (
            <tr>
              <td>
                <a href={catalogUrl(r.host)}>{r.host}</a>
              </td>
              <td>{r.origin === 'api' ? 'through the API' : 'in the configuration'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export const catalogUrl = (host: string, last?: string) =>
  `/console/catalog/${encodeURIComponent(host)}${last ? `?last=${encodeURIComponent(last)}` : ''}`;

export function Catalog(props: { registry: string; repositories: string[]; next?: string }) {
  return (
    <>
      <p>Repositories the registry lists that you may read{props.next ? ' (this page)' : ''}.</p>
      {props.repositories.length ? (
        <ul class="tags" id="repositories">
          {props.repositories.map((r) => (
            <li>
              <a href={tagsUrl(`${props.registry}/${r}`)}>{r}</a>
            </li>
          ))}
        </ul>
      ) : (
        <p>None on this page.</p>
      )}
      {props.next ? <a href={catalogUrl(props.registry, props.next)}>Next page</a> : null}
    </>
  );
}

const ORDER_NAMES: Record<TagOrder, string> = {
  version: 'by version, newest first',
  name: 'by name',
  created: "by created time, newest first (the image's own: registries keep no push time)",
};

export function Tags(props: { listing: TagPage; tags: TagSummary[]; filter: string; asked: TagOrder; now: number }) {
  const { listing } = props;
  const order = listing.order;
  // Links keep the filter and the order; only the page changes.
  const pageUrl = (page: number, to = order) => {
    const query = new URLSearchParams({
      ...(props.filter ? { filter: props.filter } : {}),
      ...(to !== 'version' ? { sort: to } : {}),
      ...(page > 1 ? { page: String(page) } : {}),
    });
    return `${tagsUrl(listing.name)}${query.size ? `?${query}` : ''}`;
  };
  const others = (['version', 'name', 'created'] as const).filter((o) => o !== order);
  return (
    <>
      <p>
        <Copyable value={listing.name} />
      </p>
      <form method="get" action={tagsUrl(listing.name)} class="inline" role="search">
        <label for="filter">Filter tags</label>
        <input id="filter" name="filter" value={props.filter} placeholder="part of a tag" />
        {order !== 'version' ? <input type="hidden" name="sort" value={order} /> : null}
        <button type="submit">Filter</button>
      </form>
      <p class="order">
        {props.asked === 'created' && order !== 'created'
          ? `Sorting by created time reads each tag's image: ${listing.total} tags are more than ` +
            `${listing.createdLimit}, filter first. `
          : ''}
        {listing.total} tag{listing.total === 1 ? '' : 's'}
        {props.filter ? ` matching “${props.filter}”` : ''}, sorted {ORDER_NAMES[order]}
        {others.map((o) => (
          <>
            {' · '}
            <a href={pageUrl(1, o)}>{ORDER_NAMES[o].replace(/ \(.*\)$/, '')}</a>
          </>
        ))}
      </p>
      {props.tags.length ? (
        <table id="tags">
          <caption>Tags</caption>
          <Columns names={['Tag', 'Digest', 'Kind', 'Size', 'Created']} />
          <tbody>
            {props.tags.map((t) => (
              <tr>
                <td>
                  {t.error === 'INVALID_REFERENCE' ? t.tag : <a href={imageUrl(`${listing.name}:${t.tag}`)}>{t.tag}</a>}
                </td>
                <td>
                  {t.digest ? (
                    <code class="digest" title={t.digest}>
                      {t.digest.slice(0, 19)}…
                    </code>
                  ) : (
                    <span class="error">{t.error}</span>
                  )}
                </td>
                <td>{t.kind === 'index' ? `index, ${t.platforms} platforms` : (t.kind ?? '')}</td>
                <td class="size">
                  {t.platformSizes
                    ? t.platformSizes.map((p) => (
                        <div>
                          {p.platform} {size(p.size)}
                        </div>
                      ))
                    : t.size !== undefined
                      ? size(t.size)
                      : ''}
                </td>
                <td>{t.created ? <time datetime={t.created}>{age(t.created, props.now)}</time> : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="empty">
          {props.filter ? `No tag matches “${props.filter}”.` : 'This repository has no tags yet: copy an image here.'}
        </p>
      )}
      <nav class="pages" aria-label="Pages of tags">
        {listing.page > 1 ? (
          <a rel="prev" href={pageUrl(listing.page - 1)}>
            Previous page
          </a>
        ) : null}{' '}
        <span>
          page {listing.page} of {listing.pages}
        </span>{' '}
        {listing.page < listing.pages ? (
          <a rel="next" href={pageUrl(listing.page + 1)}>
            Next page
          </a>
        ) : null}
      </nav>
    </>
  );
}
