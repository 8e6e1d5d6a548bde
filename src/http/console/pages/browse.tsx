/** @jsxImportSource hono/jsx */
// Browsing: the registries, a registry's catalog, a repository's tags.

import type { TagSummary } from '../../../ops/inspect/index.js';
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

export function Tags(props: { repository: string; tags: TagSummary[]; next?: string; now: number }) {
  return (
    <>
      <p>
        <Copyable value={props.repository} />
      </p>
      <table id="tags">
        <caption>Tags</caption>
        <Columns names={['Tag', 'Digest', 'Kind', 'Size', 'Created']} />
        <tbody>
          {props.tags.map((t) => (
            <tr>
              <td>
                {t.error === 'INVALID_REFERENCE' ? (
                  t.tag
                ) : (
                  <a href={imageUrl(`${props.repository}:${t.tag}`)}>{t.tag}</a>
                )}
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
              <td>{t.size !== undefined ? size(t.size) : ''}</td>
              <td>{t.created ? <time datetime={t.created}>{age(t.created, props.now)}</time> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.next ? (
        <a href={`${tagsUrl(props.repository)}?last=${encodeURIComponent(props.next)}`}>Next page</a>
      ) : null}
    </>
  );
}
