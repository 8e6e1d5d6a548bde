/** @jsxImportSource hono/jsx */
// The console's pages, rendered on the server with Hono's JSX: plain HTML and one stylesheet, no inline
// script or style (the CSP forbids them). Every form control has a label.

import type { Child } from 'hono/jsx';
import type { ImageDiff } from '../../ops/diff.js';
import type { InspectResult } from '../../ops/inspect.js';

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

export function SignIn(props: { csrf: string; error?: string; available: boolean }) {
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
          ) : (
            <p>The console's sign-in is not configured here: the operator sets <code>console.sessionSecret</code>.</p>
          )}
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
        <thead>
          <tr>
            <th scope="col">Registry</th>
            <th scope="col">Configured</th>
          </tr>
        </thead>
        <tbody>
          {props.registries.map((r) => (
            <tr>
              <td>{r.host}</td>
              <td>{r.origin === 'api' ? 'through the API' : 'in the configuration'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function Tags(props: { repository: string; tags: string[]; next?: string }) {
  return (
    <>
      <ul class="tags">
        {props.tags.map((tag) => (
          <li>
            <a href={imageUrl(`${props.repository}:${tag}`)}>{tag}</a>
          </li>
        ))}
      </ul>
      {props.next ? <a href={`${tagsUrl(props.repository)}?last=${encodeURIComponent(props.next)}`}>Next page</a> : null}
    </>
  );
}

function Reference(props: { value: string }) {
  return <code class="reference">{props.value}</code>;
}

export function Image(props: { image: InspectResult; repository: string }) {
  const image = props.image;
  const total = image.totalSize ?? 0;
  return (
    <>
      <dl class="facts">
        <dt>Reference</dt>
        <dd>
          <Reference value={image.reference} />
        </dd>
        <dt>Digest</dt>
        <dd>
          <code data-digest={image.digest}>{image.digest}</code>
        </dd>
        <dt>Media type</dt>
        <dd>{image.mediaType}</dd>
        {image.platform ? (
          <>
            <dt>Platform</dt>
            <dd>{image.platform}</dd>
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
        <a href={`/v1/manifest/${path(image.reference)}`}>Raw manifest</a>
      </p>
      {image.manifests ? (
        <table id="platforms">
          <caption>Platforms</caption>
          <thead>
            <tr>
              <th scope="col">Platform</th>
              <th scope="col">Digest</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {image.manifests.map((m) => (
              <tr>
                <td>{m.artifactType ?? m.platform}</td>
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
          <thead>
            <tr>
              <th scope="col">Digest</th>
              <th scope="col">Media type</th>
              <th scope="col">Size</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {image.layers.map((l) => (
              <tr>
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
      {image.config ? (
        <section id="config">
          <h2>Config</h2>
          <dl class="facts">
            <dt>Entrypoint</dt>
            <dd>{JSON.stringify(image.config.entrypoint)}</dd>
            <dt>Cmd</dt>
            <dd>{JSON.stringify(image.config.cmd)}</dd>
            <dt>Working dir</dt>
            <dd>{image.config.workingDir ?? '-'}</dd>
            <dt>Exposed ports</dt>
            <dd>{image.config.exposedPorts.join(', ') || '-'}</dd>
            <dt>Env</dt>
            <dd>
              <ul>
                {image.config.env.map((e) => (
                  <li>
                    <code>{e}</code>
                  </li>
                ))}
              </ul>
            </dd>
            <dt>Labels</dt>
            <dd>
              <ul>
                {Object.entries(image.config.labels).map(([k, v]) => (
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
  progress: { blobsDone: number; blobsTotal: number };
  request?: { source: string; target: string };
  result?: unknown;
  error?: { code: string; message: string };
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);
const progressText = (job: JobView) => `${job.progress.blobsDone}/${job.progress.blobsTotal} blobs`;

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
        {job.request ? (
          <>
            <dt>Copy</dt>
            <dd>
              <code>{job.request.source}</code> → <code>{job.request.target}</code>
            </dd>
          </>
        ) : null}
        <dt>State</dt>
        <dd id="job-state">{job.state}</dd>
        <dt>Progress</dt>
        <dd id="job-progress">{progressText(job)}</dd>
        <dt>Created</dt>
        <dd>{job.createdAt}</dd>
      </dl>
      {results.map((r) => (
        <p class="result">
          <code>
            {r.target}@{r.digest}
          </code>{' '}
          {r.tags.length ? `tagged ${r.tags.join(', ')}` : '(untagged)'}
        </p>
      ))}
      {job.error ? <Problem code={job.error.code} detail={job.error.message} /> : null}
      {FINISHED.has(job.state) ? null : (
        <form method="post" action={`/console/jobs/${encodeURIComponent(job.id)}/cancel`}>
          <input type="hidden" name="csrf" value={props.csrf} />
          <button type="submit">Cancel job</button>
        </form>
      )}
      <script src="/console/static/console.js" defer></script>
    </section>
  );
}

export function JobsList(props: { jobs: JobView[] }) {
  return (
    <table id="jobs">
      <caption>Jobs you may see, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Kind</th>
          <th scope="col">State</th>
          <th scope="col">Progress</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {props.jobs.map((job) => (
          <tr>
            <td>
              <a href={`/console/jobs/${encodeURIComponent(job.id)}`}>{job.id}</a>
            </td>
            <td>{job.kind}</td>
            <td>{job.state}</td>
            <td>{progressText(job)}</td>
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
      <thead>
        <tr>
          <th scope="col">Rule</th>
          <th scope="col">Source</th>
          <th scope="col">Targets</th>
          <th scope="col">Dry run</th>
        </tr>
      </thead>
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
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Tag</th>
            <th scope="col">Action</th>
            <th scope="col">Now</th>
          </tr>
        </thead>
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
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Caller</th>
            <th scope="col">Action</th>
            <th scope="col">Subject</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
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
