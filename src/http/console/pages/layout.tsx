/** @jsxImportSource hono/jsx */
// What every console page shares: the frame, sign-in, problems, sizes and ages, links, table headings,
// copyable values and pagers. Plain HTML and one stylesheet, no inline script or style (the CSP forbids
// them). Every form control has a label.

import type { Child } from 'hono/jsx';

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB'];
export function size(bytes: number): string {
  if (bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) ((value /= 1024), unit++);
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}

export const path = (reference: string) => reference.split('/').map(encodeURIComponent).join('/');
export const imageUrl = (reference: string, platform?: string) =>
  `/console/image/${path(reference)}${platform ? `?platform=${encodeURIComponent(platform)}` : ''}`;
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
          <a class="brand" href="/console">
            Ferry
          </a>
          <nav aria-label="Console">
            <a href="/console/registries">Registries</a>
            <a href="/console/compare">Compare</a>
            <a href="/console/copy">Copy</a>
            <a href="/console/jobs">Jobs</a>
            <a href="/console/rules">Rules</a>
            <a href="/console/syncs">Syncs</a>
            <a href="/console/events">Events</a>
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
            <p>
              The console's sign-in is not configured here: the operator sets <code>console.sessionSecret</code>.
            </p>
          )}
          {props.access ? (
            <p>
              This console is behind Cloudflare Access: open it through the Access application's address and sign in
              there.
            </p>
          ) : null}
          {props.error ? (
            <p class="error" role="alert">
              {props.error}
            </p>
          ) : null}
        </main>
      </body>
    </html>
  );
}

/** A failure, said where it happened: with a "did you mean" when a near tag exists, and a way back. */
export function Problem(props: { code: string; detail: string; nearTag?: string | undefined }) {
  return (
    <section class="problem" role="alert">
      <p>
        <strong>{props.code}</strong>: {props.detail}
        {props.nearTag ? ` (did you mean ${props.nearTag}?)` : ''}
      </p>
      <p>
        <a class="way-back" href="/console/registries">
          Back to the registries
        </a>
      </p>
    </section>
  );
}

/** How long ago `iso` was, roughly ("3 days ago"); empty when it is not a date. */
export function age(iso: string | undefined, now: number): string {
  const at = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(at)) return '';
  const seconds = Math.max(0, (now - at) / 1000);
  const [value, unit] =
    seconds < 3600
      ? [seconds / 60, 'minute']
      : seconds < 86_400
        ? [seconds / 3600, 'hour']
        : seconds < 86_400 * 60
          ? [seconds / 86_400, 'day']
          : seconds < 86_400 * 730
            ? [seconds / (86_400 * 30.44), 'month']
            : [seconds / (86_400 * 365.25), 'year'];
  const n = Math.floor(value);
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/** A table's column headings. */
export function Columns(props: { names: string[] }) {
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
export function Copyable(props: { value: string }) {
  return (
    <>
      <code class="copyable">{props.value}</code>{' '}
      <button type="button" class="copy" data-copy={props.value} hidden>
        Copy
      </button>
    </>
  );
}

export function Pager(props: { page: number; pages: number; href: (page: number) => string }) {
  if (props.pages <= 1) return null;
  return (
    <nav aria-label="Pages" class="pager">
      {props.page > 1 ? <a href={props.href(props.page - 1)}>Previous page</a> : null}{' '}
      <span>
        Page {props.page} of {props.pages}
      </span>{' '}
      {props.page < props.pages ? <a href={props.href(props.page + 1)}>Next page</a> : null}
    </nav>
  );
}
