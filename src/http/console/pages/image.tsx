/** @jsxImportSource hono/jsx */
// An image: its platforms, layers, build history and referrers, and its history paged.

import type { ChildSummary, HistoryEntry, InspectResult } from '../../../ops/inspect/index.js';
import type { GroupedReferrers, ReferrerKind } from '../../../ops/referrers.js';
import { Columns, Copyable, Pager, imageUrl, path, size } from './layout.js';

// History rows the image page shows; the rest are on the paged history view.
export const HISTORY_PAGE = 100;
export const layerAnchor = (digest: string) => `layer-${digest.replace(/^sha256:/, '')}`;
export const manifestUrl = (reference: string) => `/console/manifest/${path(reference)}`;
export const historyUrl = (reference: string, page = 1) =>
  `/console/history/${path(reference)}${page > 1 ? `?page=${page}` : ''}`;

/** Each history step beside the layer it added (steps marked empty added none). */
export function historyRows(image: InspectResult): { step: HistoryEntry; layer?: string }[] {
  const layers = image.layers ?? [];
  let next = 0;
  return (image.config?.history ?? []).map((step) =>
    step.emptyLayer ? { step } : { step, ...(layers[next] ? { layer: layers[next++]!.digest } : {}) },
  );
}

export function HistoryTable(props: {
  rows: { step: HistoryEntry; layer?: string }[];
  first: number;
  caption: string;
  layersHref?: string;
}) {
  return (
    <table id="history">
      <caption>{props.caption}</caption>
      <Columns names={['#', 'Created', 'Created by', 'Layer']} />
      <tbody>
        {props.rows.map((row, i) => (
          <tr class={row.step.emptyLayer ? 'empty-layer' : undefined}>
            <td>{props.first + i + 1}</td>
            <td>{row.step.created ?? '-'}</td>
            <td>
              <code>{row.step.createdBy ?? row.step.comment ?? ''}</code>
            </td>
            <td>
              {row.step.emptyLayer ? (
                <span class="muted">empty layer</span>
              ) : row.layer ? (
                <a class="digest-short" href={`${props.layersHref ?? ''}#${layerAnchor(row.layer)}`}>
                  {row.layer.slice(0, 19)}…
                </a>
              ) : (
                '-'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const REFERRER_GROUPS: [ReferrerKind, string][] = [
  ['signatures', 'Signatures'],
  ['unverified', 'Unverified signatures'],
  ['sboms', 'SBOMs'],
  ['attestations', 'Attestations'],
  ['promotions', 'Promotion records'],
  ['other', 'Other referrers'],
];

function Referrers(props: { groups: GroupedReferrers; repository: string; inIndex: ChildSummary[] }) {
  const groups = { ...props.groups, attestations: [...props.groups.attestations] };
  // buildx keeps its attestations inside the index, beside the images they describe.
  for (const child of props.inIndex)
    groups.attestations.push({
      digest: child.digest,
      mediaType: child.mediaType,
      size: child.size,
      tag: 'in the index',
    });
  const total = REFERRER_GROUPS.reduce((n, [kind]) => n + groups[kind].length, 0);
  return (
    <section id="referrers">
      <h2>Referrers</h2>
      {total === 0 ? <p>No signatures, SBOMs, attestations or promotion records refer to this manifest.</p> : null}
      {REFERRER_GROUPS.filter(([kind]) => groups[kind].length > 0).map(([kind, title]) => (
        <table class="referrers" data-kind={kind}>
          <caption>
            {title} ({groups[kind].length})
            {kind === 'unverified' ? <small>: no promotion rule you may use accepted them</small> : null}
          </caption>
          <Columns
            names={kind === 'signatures' ? ['Digest', 'Type', 'Found', 'Verified by'] : ['Digest', 'Type', 'Found']}
          />
          <tbody>
            {groups[kind].map((r) => (
              <tr>
                <td>
                  <a class="referrer" href={manifestUrl(`${props.repository}@${r.digest}`)}>
                    {r.digest}
                  </a>
                </td>
                <td>{r.artifactType ?? r.mediaType}</td>
                <td>{r.tag ? (r.tag === 'in the index' ? r.tag : `tag ${r.tag}`) : 'referrers'}</td>
                {r.verifiedBy ? (
                  <td>
                    rule {r.verifiedBy.rule}: {r.verifiedBy.identity}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}

const isAttestationChild = (m: ChildSummary) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';

export function Image(props: {
  image: InspectResult;
  repository: string;
  referrers: GroupedReferrers;
  /** Each platform image's own size (its layers), by digest: the index's descriptors give only the manifest's. */
  imageSizes?: Map<string, number>;
}) {
  const image = props.image;
  const total = image.totalSize ?? 0;
  const history = historyRows(image);
  const config = image.config;
  return (
    <>
      <dl class="facts">
        <dt>Reference</dt>
        <dd>
          <Copyable value={image.reference} />
        </dd>
        <dt>Digest</dt>
        <dd data-digest={image.digest}>
          <Copyable value={image.digest} />
        </dd>
        <dt>Media type</dt>
        <dd>{image.mediaType}</dd>
        {image.platform ? (
          <>
            <dt>Platform</dt>
            <dd>{image.platform}</dd>
          </>
        ) : null}
        {config?.created ? (
          <>
            <dt>Created</dt>
            <dd>{config.created}</dd>
          </>
        ) : null}
        {image.index ? (
          <>
            <dt>Index</dt>
            <dd>
              <a href={imageUrl(`${props.repository}@${image.index.digest}`)}>{image.index.digest}</a>
            </dd>
          </>
        ) : null}
      </dl>
      <p>
        <a href={manifestUrl(image.reference)}>Raw manifest</a> ·{' '}
        <a href={`/console/copy?source=${encodeURIComponent(image.reference)}`}>Copy this image…</a>
      </p>
      {image.manifests ? (
        <table id="platforms">
          <caption>Platforms</caption>
          <Columns names={['Platform', 'Digest', 'Size']} />
          <tbody>
            {image.manifests.map((m) => (
              <tr>
                <td>{isAttestationChild(m) ? 'attestation' : (m.artifactType ?? m.platform)}</td>
                <td>
                  <a class="digest" href={imageUrl(`${props.repository}@${m.digest}`)}>
                    {m.digest}
                  </a>
                </td>
                <td>{props.imageSizes?.has(m.digest) ? size(props.imageSizes.get(m.digest)!) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {image.layers ? (
        <table id="layers">
          <caption>Layers ({size(total)} compressed)</caption>
          <Columns names={['Digest', 'Media type', 'Size', 'Share']} />
          <tbody>
            {image.layers.map((l) => (
              <tr id={layerAnchor(l.digest)}>
                <td>
                  <code class="digest">{l.digest}</code>
                </td>
                <td>{l.mediaType}</td>
                <td>{size(l.size)}</td>
                <td>{total > 0 ? `${((100 * Math.max(0, l.size)) / total).toFixed(1)} %` : '-'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {config ? (
        <section id="config">
          <h2>Config</h2>
          <dl class="facts">
            <dt>Entrypoint</dt>
            <dd>{JSON.stringify(config.entrypoint)}</dd>
            <dt>Cmd</dt>
            <dd>{JSON.stringify(config.cmd)}</dd>
            <dt>User</dt>
            <dd>{config.user ?? '-'}</dd>
            <dt>Working dir</dt>
            <dd>{config.workingDir ?? '-'}</dd>
            <dt>Exposed ports</dt>
            <dd>{config.exposedPorts.join(', ') || '-'}</dd>
            <dt>Env</dt>
            <dd>
              <ul>
                {config.env.map((e) => (
                  <li>
                    <code>{e}</code>
                  </li>
                ))}
              </ul>
            </dd>
            <dt>Labels</dt>
            <dd>
              <ul>
                {Object.entries(config.labels).map(([k, v]) => (
                  <li>
                    <code>
                      {k}={v}
                    </code>
                  </li>
                ))}
              </ul>
            </dd>
          </dl>
        </section>
      ) : null}
      {history.length ? (
        <>
          <HistoryTable
            rows={history.slice(0, HISTORY_PAGE)}
            first={0}
            caption={
              `History (${history.length} steps, ${history.filter((r) => r.step.emptyLayer).length} without ` +
              `a layer)`
            }
          />
          {history.length > HISTORY_PAGE ? <a href={historyUrl(image.reference, 2)}>More history</a> : null}
        </>
      ) : null}
      <Referrers
        groups={props.referrers}
        repository={props.repository}
        inIndex={(image.manifests ?? []).filter(isAttestationChild)}
      />
    </>
  );
}

/** The paged history of an image (steps HISTORY_PAGE at a time). */
export function HistoryPage(props: { image: InspectResult; page: number }) {
  const rows = historyRows(props.image);
  const first = (props.page - 1) * HISTORY_PAGE;
  const pages = Math.max(1, Math.ceil(rows.length / HISTORY_PAGE));
  return (
    <>
      <p>
        <a href={imageUrl(props.image.reference)}>Back to the image</a>
      </p>
      <HistoryTable
        rows={rows.slice(first, first + HISTORY_PAGE)}
        first={first}
        caption={`Steps ${first + 1}–${Math.min(rows.length, first + HISTORY_PAGE)} of ${rows.length}`}
        layersHref={imageUrl(props.image.reference)}
      />
      <Pager page={props.page} pages={pages} href={(page) => historyUrl(props.image.reference, page)} />
    </>
  );
}
