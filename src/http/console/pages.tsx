/** @jsxImportSource hono/jsx */
// The console's pages, rendered on the server with Hono's JSX: plain HTML and one stylesheet, no inline
// script or style (the CSP forbids them). Every form control has a label.

import type { Child } from 'hono/jsx';
import type { ImageDiff } from '../../ops/inspect/index.js';
import type { ChildSummary, HistoryEntry, InspectResult, TagSummary } from '../../ops/inspect/index.js';
import type { GroupedReferrers, ReferrerKind } from '../../ops/referrers.js';
import type { ActiveBlob, JobProgress } from '../../ops/jobs/index.js';

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB'];
export function size(bytes: number): string {
  if (bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) (value /= 1024), unit++;
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}

const path = (reference: string) => reference.split('/').map(encodeURIComponent).join('/');
export const imageUrl = (reference: string, platform?: string) => `/console/image/${path(reference)}${platform ? `?platform=${encodeURIComponent(platform)}` : ''}`;
export const tagsUrl = (repository: string) => `/console/tags/${path(repository)}`;

export function Layout(props: { title: string; csrf: string; signedIn: boolean; who: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · Ferry</title>
        <link rel="stylesheet" href="/console/static/console.css" />
        <link rel="icon" href="/console/static/favicon.svg" type="image/svg+xml" />
        <script src="/console/static/console.js" defer></script>
      </head>
      <body>
        <header>
          <a class="brand" href="/console">Ferry</a>
          <nav aria-label="Console">
            <a href="/console/registries">Registries</a>
            <a href="/console/compare">Compare</a>
            <a href="/console/copy">Copy</a>
            <a href="/console/jobs">Jobs</a>
            <a href="/console/rules">Rules</a>
            <a href="/console/audit">Audit</a>
          </nav>
          <span class="who">{props.who}</span>
          {props.signedIn ? (
            <form method="post" action="/console/sign-out">
              <input type="hidden" name="csrf" value={props.csrf} />
              <button type="submit">Sign out</button>
            </form>
          ) : null}
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

export function SignIn(props: { csrf: string; error?: string; available: boolean; access?: boolean }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Sign in · Ferry</title>
        <link rel="stylesheet" href="/console/static/console.css" />
        <link rel="icon" href="/console/static/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <main class="narrow">
          <h1>Sign in to Ferry</h1>
          {props.available ? (
            <form method="post" action="/console/sign-in">
              <input type="hidden" name="csrf" value={props.csrf} />
              <label for="api-key">API key</label>
              <input id="api-key" name="apiKey" type="password" autocomplete="current-password" required />
              <button type="submit">Sign in</button>
            </form>
          ) : props.access ? null : (
            <p>The console's sign-in is not configured here: the operator sets <code>console.sessionSecret</code>.</p>
          )}
          {props.access ? <p>This console is behind Cloudflare Access: open it through the Access application's address and sign in there.</p> : null}
          {props.error ? <p class="error" role="alert">{props.error}</p> : null}
        </main>
      </body>
    </html>
  );
}

export function Problem(props: { code: string; detail: string }) {
  return (
    <section class="problem" role="alert">
      <p>
        <strong>{props.code}</strong>: {props.detail}
      </p>
    </section>
  );
}

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

/** How long ago `iso` was, roughly ("3 days ago"); empty when it is not a date. */
export function age(iso: string | undefined, now: number): string {
  const at = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(at)) return '';
  const seconds = Math.max(0, (now - at) / 1000);
  const [value, unit] =
    seconds < 3600 ? [seconds / 60, 'minute'] : seconds < 86_400 ? [seconds / 3600, 'hour'] : seconds < 86_400 * 60 ? [seconds / 86_400, 'day'] : seconds < 86_400 * 730 ? [seconds / (86_400 * 30.44), 'month'] : [seconds / (86_400 * 365.25), 'year'];
  const n = Math.floor(value);
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

export const catalogUrl = (host: string, last?: string) => `/console/catalog/${encodeURIComponent(host)}${last ? `?last=${encodeURIComponent(last)}` : ''}`;

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
              <td>{t.error === 'INVALID_REFERENCE' ? t.tag : <a href={imageUrl(`${props.repository}:${t.tag}`)}>{t.tag}</a>}</td>
              <td>{t.digest ? <code class="digest" title={t.digest}>{t.digest.slice(0, 19)}…</code> : <span class="error">{t.error}</span>}</td>
              <td>{t.kind === 'index' ? `index, ${t.platforms} platforms` : (t.kind ?? '')}</td>
              <td>{t.size !== undefined ? size(t.size) : ''}</td>
              <td>{t.created ? <time datetime={t.created}>{age(t.created, props.now)}</time> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.next ? <a href={`${tagsUrl(props.repository)}?last=${encodeURIComponent(props.next)}`}>Next page</a> : null}
    </>
  );
}

/** A table's column headings. */
function Columns(props: { names: string[] }) {
  return (
    <thead>
      <tr>
        {props.names.map((name) => (
          <th scope="col">{name}</th>
        ))}
      </tr>
    </thead>
  );
}

/** A reference or digest, with a button that copies it (shown by console.js: it needs the clipboard API). */
function Copyable(props: { value: string }) {
  return (
    <>
      <code class="copyable">{props.value}</code>{' '}
      <button type="button" class="copy" data-copy={props.value} hidden>
        Copy
      </button>
    </>
  );
}

// History rows the image page shows; the rest are on the paged history view.
export const HISTORY_PAGE = 100;
const layerAnchor = (digest: string) => `layer-${digest.replace(/^sha256:/, '')}`;
export const manifestUrl = (reference: string) => `/console/manifest/${path(reference)}`;
export const historyUrl = (reference: string, page = 1) => `/console/history/${path(reference)}${page > 1 ? `?page=${page}` : ''}`;

/** Each history step beside the layer it added (steps marked empty added none). */
export function historyRows(image: InspectResult): { step: HistoryEntry; layer?: string }[] {
  const layers = image.layers ?? [];
  let next = 0;
  return (image.config?.history ?? []).map((step) => (step.emptyLayer ? { step } : { step, ...(layers[next] ? { layer: layers[next++]!.digest } : {}) }));
}

export function HistoryTable(props: { rows: { step: HistoryEntry; layer?: string }[]; first: number; caption: string; layersHref?: string }) {
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
  ['sboms', 'SBOMs'],
  ['attestations', 'Attestations'],
  ['promotions', 'Promotion records'],
  ['other', 'Other referrers'],
];

function Referrers(props: { groups: GroupedReferrers; repository: string; inIndex: ChildSummary[] }) {
  const groups = { ...props.groups, attestations: [...props.groups.attestations] };
  // buildx keeps its attestations inside the index, beside the images they describe.
  for (const child of props.inIndex) groups.attestations.push({ digest: child.digest, mediaType: child.mediaType, size: child.size, tag: 'in the index' });
  const total = REFERRER_GROUPS.reduce((n, [kind]) => n + groups[kind].length, 0);
  return (
    <section id="referrers">
      <h2>Referrers</h2>
      {total === 0 ? <p>No signatures, SBOMs, attestations or promotion records refer to this manifest.</p> : null}
      {REFERRER_GROUPS.filter(([kind]) => groups[kind].length > 0).map(([kind, title]) => (
        <table class="referrers" data-kind={kind}>
          <caption>
            {title} ({groups[kind].length})
          </caption>
          <Columns names={['Digest', 'Type', 'Found']} />
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
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}

const isAttestationChild = (m: ChildSummary) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';

export function Image(props: { image: InspectResult; repository: string; referrers: GroupedReferrers }) {
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
        <a href={manifestUrl(image.reference)}>Raw manifest</a> · <a href={`/console/copy?source=${encodeURIComponent(image.reference)}`}>Copy this image…</a>
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
                <td>{size(m.size)}</td>
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
          <HistoryTable rows={history.slice(0, HISTORY_PAGE)} first={0} caption={`History (${history.length} steps, ${history.filter((r) => r.step.emptyLayer).length} without a layer)`} />
          {history.length > HISTORY_PAGE ? <a href={historyUrl(image.reference, 2)}>More history</a> : null}
        </>
      ) : null}
      <Referrers groups={props.referrers} repository={props.repository} inIndex={(image.manifests ?? []).filter(isAttestationChild)} />
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
      <HistoryTable rows={rows.slice(first, first + HISTORY_PAGE)} first={first} caption={`Steps ${first + 1}–${Math.min(rows.length, first + HISTORY_PAGE)} of ${rows.length}`} layersHref={imageUrl(props.image.reference)} />
      <Pager page={props.page} pages={pages} href={(page) => historyUrl(props.image.reference, page)} />
    </>
  );
}

function Pager(props: { page: number; pages: number; href: (page: number) => string }) {
  if (props.pages <= 1) return null;
  return (
    <nav aria-label="Pages" class="pager">
      {props.page > 1 ? <a href={props.href(props.page - 1)}>Previous page</a> : null} <span>
        Page {props.page} of {props.pages}
      </span>{' '}
      {props.page < props.pages ? <a href={props.href(props.page + 1)}>Next page</a> : null}
    </nav>
  );
}

// Lines of the formatted manifest per page: a very large index stays readable and light.
export const MANIFEST_LINES_PER_PAGE = 1500;
const DIGEST = /sha256:[0-9a-f]{64}/g;

/** Where a digest in a manifest leads: a manifest's own page, or the image page's layer or config. */
function digestTargets(json: unknown): Map<string, 'manifest' | 'config' | 'layer'> {
  const targets = new Map<string, 'manifest' | 'config' | 'layer'>();
  const doc = (json ?? {}) as { config?: { digest?: unknown }; layers?: { digest?: unknown }[]; manifests?: { digest?: unknown }[]; subject?: { digest?: unknown }; blobs?: { digest?: unknown }[] };
  const add = (d: unknown, kind: 'manifest' | 'config' | 'layer') => typeof d === 'string' && !targets.has(d) && targets.set(d, kind);
  for (const m of Array.isArray(doc.manifests) ? doc.manifests : []) add(m?.digest, 'manifest');
  add(doc.subject?.digest, 'manifest');
  add(doc.config?.digest, 'config');
  for (const l of [...(Array.isArray(doc.layers) ? doc.layers : []), ...(Array.isArray(doc.blobs) ? doc.blobs : [])]) add(l?.digest, 'layer');
  return targets;
}

export function RawManifest(props: { reference: string; repository: string; digest: string; mediaType: string; text: string; page: number }) {
  let json: unknown;
  let formatted = props.text;
  try {
    json = JSON.parse(props.text);
    formatted = JSON.stringify(json, null, 2);
  } catch {
    // shown as the registry sent it
  }
  const targets = digestTargets(json);
  const lines = formatted.split('\n');
  const pages = Math.max(1, Math.ceil(lines.length / MANIFEST_LINES_PER_PAGE));
  const shown = lines.slice((props.page - 1) * MANIFEST_LINES_PER_PAGE, props.page * MANIFEST_LINES_PER_PAGE).join('\n');
  const image = imageUrl(props.reference);
  const link = (digest: string) => {
    const kind = targets.get(digest);
    if (kind === 'manifest') return manifestUrl(`${props.repository}@${digest}`);
    if (kind === 'config') return `${image}#config`;
    if (kind === 'layer') return `${image}#${layerAnchor(digest)}`;
    return undefined;
  };
  const parts: unknown[] = [];
  let at = 0;
  for (const match of shown.matchAll(DIGEST)) {
    parts.push(shown.slice(at, match.index));
    const href = link(match[0]);
    parts.push(href ? <a href={href}>{match[0]}</a> : match[0]);
    at = match.index! + match[0].length;
  }
  parts.push(shown.slice(at));
  return (
    <>
      <dl class="facts">
        <dt>Digest</dt>
        <dd>
          <Copyable value={props.digest} />
        </dd>
        <dt>Media type</dt>
        <dd>{props.mediaType}</dd>
      </dl>
      <p>
        <a href={image}>The image</a> · <a href={`/v1/manifest/${path(props.reference)}`}>The registry's bytes</a> (the digest is theirs; shown here formatted)
      </p>
      <pre class="manifest">{parts as never}</pre>
      <Pager page={props.page} pages={pages} href={(page) => `${manifestUrl(props.reference)}?page=${page}`} />
    </>
  );
}

export function Compare(props: { from: string; to: string; diff?: ImageDiff }) {
  const diff = props.diff;
  return (
    <>
      <form method="get" action="/console/compare" class="stacked">
        <label for="from">From</label>
        <input id="from" name="from" value={props.from} placeholder="registry/repository:tag" required />
        <label for="to">To</label>
        <input id="to" name="to" value={props.to} placeholder="registry/repository:tag" required />
        <button type="submit">Compare</button>
      </form>
      {diff ? (
        <section id="diff">
          <p>{diff.identical ? 'Identical: both name one digest.' : `${diff.from.digest} → ${diff.to.digest}`}</p>
          <ul class="platform-changes">
            {diff.platforms.added.map((p) => (
              <li class="added">+ {p}</li>
            ))}
            {diff.platforms.removed.map((p) => (
              <li class="removed">− {p}</li>
            ))}
          </ul>
          {diff.images.map((image) => (
            <section class="platform-diff" data-platform={image.platform}>
              <h2>{image.platform}</h2>
              <p>
                {image.layers.shared.length} layers shared ({size(image.layers.sharedBytes)}), {image.layers.added.length} added ({size(image.layers.addedBytes)}),{' '}
                {image.layers.removed.length} removed ({size(image.layers.removedBytes)})
              </p>
              <ul>
                {image.layers.added.map((l) => (
                  <li class="added">
                    + <code>{l.digest}</code> {size(l.size)}
                  </li>
                ))}
                {image.layers.removed.map((l) => (
                  <li class="removed">
                    − <code>{l.digest}</code> {size(l.size)}
                  </li>
                ))}
                {image.config.env.added.map((e) => (
                  <li class="added">+ env {e}</li>
                ))}
                {image.config.env.removed.map((e) => (
                  <li class="removed">− env {e}</li>
                ))}
                {Object.entries(image.config.labels.changed).map(([k, v]) => (
                  <li class="changed">
                    ~ label {k}: {v.from} → {v.to}
                  </li>
                ))}
                {image.config.entrypoint ? (
                  <li class="changed">
                    ~ entrypoint {JSON.stringify(image.config.entrypoint.from)} → {JSON.stringify(image.config.entrypoint.to)}
                  </li>
                ) : null}
              </ul>
            </section>
          ))}
        </section>
      ) : null}
    </>
  );
}

export function CopyForm(props: { csrf: string; source: string; target: string }) {
  return (
    <form method="post" action="/console/copy" class="stacked">
      <input type="hidden" name="csrf" value={props.csrf} />
      <label for="source">Source</label>
      <input id="source" name="source" value={props.source} placeholder="registry/repository:tag" required />
      <label for="target">Target</label>
      <input id="target" name="target" value={props.target} placeholder="registry/repository[:tag]" required />
      <label for="platforms">Platforms (comma-separated; empty: all)</label>
      <input id="platforms" name="platforms" placeholder="linux/amd64, linux/arm64" />
      <label for="tags">Extra tags (comma-separated)</label>
      <input id="tags" name="tags" placeholder="latest, stable" />
      <button type="submit">Copy</button>
    </form>
  );
}

interface JobView {
  id: string;
  kind: string;
  state: string;
  createdAt: string;
  updatedAt: string;
  progress: JobProgress;
  request?: { source: string; target: string };
  promotion?: { source: string; rule: string };
  trigger?: { receiver: string; delivery?: string };
  runs?: number;
  result?: unknown;
  error?: { code: string; message: string; blob?: string };
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);
/** "3/8 blobs, 1.2 MiB of 4.0 MiB": the job page's line, here and in its live updates (routes.tsx). */
export function progressText(progress: JobProgress): string {
  const bytes = progress.bytesTotal ? `, ${size(progress.bytesDone ?? 0)} of ${size(progress.bytesTotal)}` : '';
  return `${progress.blobsDone}/${progress.blobsTotal} blobs${bytes}`;
}

/** One moving blob's label: "sha256:0123abcd… 512.0 KiB of 3.0 MiB". */
export const activeBlobText = (a: ActiveBlob) => `${a.blob.slice(0, 19)}… ${size(a.bytes)} of ${size(a.size)}`;

export function JobPage(props: { job: JobView; csrf: string }) {
  const job = props.job;
  const results = job.result ? ('results' in (job.result as object) ? (job.result as { results: { target: string; digest: string; tags: string[] }[] }).results : [job.result as { target: string; digest: string; tags: string[] }]) : [];
  return (
    <section id="job" data-events={FINISHED.has(job.state) ? undefined : `/console/jobs/${encodeURIComponent(job.id)}/events`}>
      <dl class="facts">
        <dt>Job</dt>
        <dd>
          <code>{job.id}</code>
        </dd>
        <dt>Kind</dt>
        <dd>{job.kind}</dd>
        {job.promotion ? (
          <>
            <dt>Promotion</dt>
            <dd>
              rule <code>{job.promotion.rule}</code> of <code>{job.promotion.source}</code>
            </dd>
          </>
        ) : job.request ? (
          <>
            <dt>Copy</dt>
            <dd>
              <code>{job.request.source}</code> → <code>{job.request.target}</code>
            </dd>
          </>
        ) : null}
        {job.trigger ? (
          <>
            <dt>Triggered by</dt>
            <dd>
              webhook <code>{job.trigger.receiver}</code>
              {job.trigger.delivery ? (
                <>
                  , delivery <code>{job.trigger.delivery}</code>
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>State</dt>
        <dd id="job-state">{job.state}</dd>
        <dt>Progress</dt>
        <dd id="job-progress">{progressText(job.progress)}</dd>
        <dt>Created</dt>
        <dd>{job.createdAt}</dd>
        <dt>Updated</dt>
        <dd id="job-updated">{job.updatedAt}</dd>
        <dt>Runs</dt>
        <dd>{(job.runs ?? 0) > 1 ? `${job.runs} (resumed after its runner stopped)` : String(job.runs ?? 0)}</dd>
      </dl>
      <ul id="job-blobs" aria-label="Blobs moving now">
        {FINISHED.has(job.state)
          ? null
          : (job.progress.active ?? []).map((a) => (
              <li>
                <progress max={a.size} value={a.bytes} aria-label={`blob ${a.blob}`}></progress> <code>{activeBlobText(a)}</code>
              </li>
            ))}
      </ul>
      {results.map((r) => (
        <p class="result">
          <code>
            {r.target}@{r.digest}
          </code>{' '}
          {r.tags.length ? `tagged ${r.tags.join(', ')}` : '(untagged)'}
        </p>
      ))}
      {job.error ? <Problem code={job.error.code} detail={job.error.blob && !job.error.message.includes(job.error.blob) ? `${job.error.message} (blob ${job.error.blob})` : job.error.message} /> : null}
      {FINISHED.has(job.state) ? null : (
        <form method="post" action={`/console/jobs/${encodeURIComponent(job.id)}/cancel`}>
          <input type="hidden" name="csrf" value={props.csrf} />
          <button type="submit">Cancel job</button>
        </form>
      )}
    </section>
  );
}

export function JobsList(props: { jobs: JobView[] }) {
  return (
    <table id="jobs">
      <caption>Jobs you may see, newest first</caption>
      <Columns names={['Job', 'Kind', 'State', 'Progress', 'Updated']} />
      <tbody>
        {props.jobs.map((job) => (
          <tr>
            <td>
              <a href={`/console/jobs/${encodeURIComponent(job.id)}`}>{job.id}</a>
            </td>
            <td>{job.kind}</td>
            <td>{job.state}</td>
            <td>{progressText(job.progress)}</td>
            <td>{job.updatedAt}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface RuleView {
  name: string;
  origin: string;
  source: { repository: string };
  targets: { repository: string; tags: string[] }[];
  invalid?: string;
}

export function Rules(props: { rules: RuleView[] }) {
  return (
    <table id="rules">
      <caption>Promotion rules you may use</caption>
      <Columns names={['Rule', 'Source', 'Targets', 'Dry run']} />
      <tbody>
        {props.rules.map((rule) => (
          <tr>
            <td>
              {rule.name} <small>({rule.origin === 'api' ? 'API' : 'configuration'})</small>
              {rule.invalid ? <p class="error">{rule.invalid}</p> : null}
            </td>
            <td>
              <code>{rule.source.repository}</code>
            </td>
            <td>
              {rule.targets.map((t) => (
                <div>
                  <code>{t.repository}</code> ← {t.tags.join(', ')}
                </div>
              ))}
            </td>
            <td>
              <form method="get" action={`/console/rules/${encodeURIComponent(rule.name)}/plan`} class="inline">
                <label for={`source-${rule.name}`}>Source image</label>
                <input id={`source-${rule.name}`} name="source" placeholder="registry/repository:tag" required />
                <button type="submit">Plan</button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Plan(props: { plan: { source: string; digest: string; steps: { target: string; tag: string; action: string; current?: string; reason?: string }[] } }) {
  return (
    <>
      <p>
        <code>
          {props.plan.source}@{props.plan.digest}
        </code>
      </p>
      <table id="plan">
        <caption>What a promotion would do (nothing is written)</caption>
        <Columns names={['Target', 'Tag', 'Action', 'Now']} />
        <tbody>
          {props.plan.steps.map((step) => (
            <tr class={step.action}>
              <td>
                <code>{step.target}</code>
              </td>
              <td>{step.tag}</td>
              <td>
                {step.action}
                {step.reason ? `: ${step.reason}` : ''}
              </td>
              <td>
                <code>{step.current ?? '-'}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

interface AuditView {
  at: string;
  caller: string;
  action: string;
  target?: string;
  source?: string;
  outcome: string;
  code?: string;
}

export function Audit(props: { records: AuditView[]; action: string; caller: string; next?: string }) {
  const query = (cursor: string) => `/console/audit?${new URLSearchParams({ ...(props.action ? { action: props.action } : {}), ...(props.caller ? { caller: props.caller } : {}), cursor })}`;
  return (
    <>
      <form method="get" action="/console/audit" class="inline">
        <label for="action">Action</label>
        <input id="action" name="action" value={props.action} placeholder="copy, promote, rule.put…" />
        <label for="caller">Caller</label>
        <input id="caller" name="caller" value={props.caller} placeholder="key:ci" />
        <button type="submit">Filter</button>
      </form>
      <table id="audit">
        <caption>Audit records you administer, newest first</caption>
        <Columns names={['When', 'Caller', 'Action', 'Subject', 'Outcome']} />
        <tbody>
          {props.records.map((r) => (
            <tr>
              <td>{r.at}</td>
              <td>{r.caller}</td>
              <td>{r.action}</td>
              <td>
                <code>{[r.source, r.target].filter(Boolean).join(' → ')}</code>
              </td>
              <td>
                {r.outcome}
                {r.code ? ` (${r.code})` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.next ? <a href={query(props.next)}>Older records</a> : null}
    </>
  );
}
