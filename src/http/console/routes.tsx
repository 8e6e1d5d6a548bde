/** @jsxImportSource hono/jsx */
// The web console: the same callers and grants as the API, pages rendered on the server. Anonymous mode
// (the local user) needs no sign-in; otherwise an API key signs in once (session.ts). Every answer
// carries a CSP that allows nothing inline, and forms are checked against their CSRF token.

import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import {
  diffImages,
  imageSizes,
  inspectImage,
  summarizeTags,
  listRepositories,
  readManifest,
  tagPage,
  type TagOrder,
} from '../../ops/inspect/index.js';
import { listAuditRecords } from '../../ops/audit.js';
import { imageReferrers } from '../../ops/promote/index.js';
import { listRegistryEntries } from '../../ops/registries/index.js';
import { isAdminOver, readableBy, readsInRegistry, requireAnyGrant, requireGrant } from '../../policy.js';
import { formatReference, normalizeRegistryHost, parseReference, parseRepositoryName } from '../../reference.js';
import type { AppEnv } from '../app-env.js';

import { planForCaller, promoteForCaller, usableRules } from '../promote.js';
import { CONSOLE_CSS, CONSOLE_JS, FAVICON_SVG } from './assets.js';
import { Audit } from './pages/audit.js';
import { Catalog, Registries, Tags } from './pages/browse.js';
import { Compare } from './pages/compare.js';
import { HistoryPage, Image } from './pages/image.js';

import { imageUrl, Layout, SignIn, tagsUrl } from './pages/layout.js';
import { RawManifest } from './pages/manifest.js';
import { Plan, Promoted, Rules } from './pages/rules.js';
import { syncPages } from './sync-pages.js';
import { eventPages } from './event-pages.js';
import { jobPages, problemWithHint } from './job-pages.js';
import {
  apiKeyName,
  cookie,
  CSRF_COOKIE,
  endSession,
  readCookie,
  SESSION_COOKIE,
  SESSION_SECONDS,
  sessionCsrfToken,
  startSession,
} from './session.js';
import { action, checkedForm, csrfToken, CSP, inspectable, page, pageNumber, rest, whoIs } from './guard.js';

// Repository names per catalog page (before filtering by grants).
const CATALOG_PAGE = 100;
// Each tag on a page costs a manifest (and config) read until cached: pages stay short.
const TAGS_PER_PAGE = 25;

export function consoleRoutes(_deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('/console/*', async (c, next) => {
    // Server time of every page, for `npm run bench` (the image page's budget is measured with it).
    const started = performance.now();
    await next();
    c.header('server-timing', `render;dur=${(performance.now() - started).toFixed(1)}`);
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    if (!c.req.path.startsWith('/console/static/')) c.header('cache-control', 'no-store');
  });
  app.get('/console/static/console.css', (c) =>
    c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' }),
  );
  app.get('/console/static/favicon.svg', (c) =>
    c.body(FAVICON_SVG, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }),
  );
  app.get('/console', (c) => c.redirect('/console/registries', 303));
  app.get('/console/', (c) => c.redirect('/console/registries', 303));

  app.get('/console/sign-in', (c) =>
    c.html(
      <SignIn
        csrf={csrfToken(c)}
        available={!!c.var.deps.config.console.sessionSecret}
        access={!!c.var.deps.config.console.cloudflareAccess}
      />,
    ),
  );
  app.post('/console/sign-in', async (c) => {
    const deps = c.var.deps;
    const form = await checkedForm(c);
    if (!deps.config.console.sessionSecret)
      throw new AppError('NOT_SUPPORTED', 'the console sign-in is not configured (console.sessionSecret)');
    const name = form.apiKey ? await apiKeyName(deps, form.apiKey) : undefined;
    if (!name)
      return c.html(
        <SignIn
          csrf={form.csrf!}
          available
          access={!!deps.config.console.cloudflareAccess}
          error="Unknown or revoked API key."
        />,
        401,
      );
    const url = new URL(c.req.url);
    const session = await startSession(deps, name);
    c.header('set-cookie', cookie(SESSION_COOKIE, session, url, SESSION_SECONDS), { append: true });
    // From now on the session's own token: a form of this session carries it, and nothing else will do.
    const token = (await sessionCsrfToken(deps, session))!;
    c.header('set-cookie', cookie(CSRF_COOKIE, token, url, SESSION_SECONDS), { append: true });
    return c.redirect('/console/registries', 303);
  });
  app.post('/console/sign-out', async (c) => {
    await checkedForm(c);
    await endSession(c.var.deps, readCookie(c.req.header('cookie'), SESSION_COOKIE, new URL(c.req.url)));
    c.header('set-cookie', cookie(SESSION_COOKIE, '', new URL(c.req.url), 0), { append: true });
    return c.redirect('/console/sign-in', 303);
  });

  app.get(
    '/console/registries',
    page(
      () => 'Registries',
      async (c, caller) => {
        const deps = c.var.deps;
        // A registry is listed when the caller may read something in it: its name alone says nothing more.
        const entries = await listRegistryEntries(deps);
        return <Registries registries={entries.filter((r) => readsInRegistry(deps.config.callers, caller, r.host))} />;
      },
    ),
  );
  app.get(
    '/console/catalog/:host',
    page(
      (c) => `Repositories in ${c.req.param('host') ?? ''}`,
      async (c, caller) => {
        const deps = c.var.deps;
        const host = normalizeRegistryHost(c.req.param('host')!.toLowerCase());
        // Not even a request to a registry the caller has no read grant in.
        if (!readsInRegistry(deps.config.callers, caller, host))
          throw new AppError('FORBIDDEN', `no inspect grant covers any repository in ${host}`);
        const readable = readableBy(deps.config.callers, caller);
        const last = c.req.query('last');
        const listed = await listRepositories(deps, host, { n: CATALOG_PAGE, ...(last ? { last } : {}) }, readable);
        return (
          <Catalog
            registry={listed.registry}
            repositories={listed.repositories}
            {...(listed.next ? { next: listed.next } : {})}
          />
        );
      },
    ),
  );
  // The Repository box: a repository opens its tags; a full reference (the thing people paste) its image.
  app.get(
    '/console/open',
    page(
      () => 'Open',
      async (c) => {
        const typed = (c.req.query('repository') ?? '').trim().replace(/^docker:\/\//, '');
        const ref = parseReference(typed, { defaultTag: false });
        const name = `${ref.registry}/${ref.repository}`;
        if (ref.tag || ref.digest) return c.redirect(imageUrl(formatReference(ref)), 303);
        return c.redirect(tagsUrl(name), 303);
      },
    ),
  );
  app.get(
    '/console/tags/*',
    page(
      (c) => `Tags of ${rest(c, '/console/tags/')}`,
      async (c, caller) => {
        const deps = c.var.deps;
        const repository = rest(c, '/console/tags/');
        const name = parseRepositoryName(repository);
        requireGrant(deps.config.callers, caller, 'inspect', `${name.registry}/${name.repository}`);
        // Every tag listed, filtered and ordered by version (or name), then one numbered page summarized.
        const filter = c.req.query('filter')?.trim() ?? '';
        const sort = c.req.query('sort');
        const order: TagOrder = sort === 'name' || sort === 'created' ? sort : 'version';
        const listed = await tagPage(deps, repository, { filter, order, page: pageNumber(c), perPage: TAGS_PER_PAGE });
        const tags = listed.summaries ?? (await summarizeTags(deps, listed.name, listed.tags));
        return <Tags listing={listed} tags={tags} filter={filter} asked={order} now={deps.now()} />;
      },
    ),
  );
  app.get(
    '/console/image/*',
    page(
      (c) => rest(c, '/console/image/'),
      async (c, caller) => {
        const deps = c.var.deps;
        const { reference, repository } = inspectable(c, caller, '/console/image/');
        const platform = c.req.query('platform');
        const image = await inspectImage(deps, reference, platform ? { platform } : {});
        // The referrers of the manifest shown (the platform's image when one was picked).
        const [referrers, sizes] = await Promise.all([
          imageReferrers(deps, image.reference, await usableRules(deps, caller)),
          image.manifests ? imageSizes(deps, repository, image.manifests) : [],
        ]);
        const bySize = new Map(sizes.map((s) => [s.digest, s.size]));
        return <Image image={image} repository={repository} referrers={referrers} imageSizes={bySize} />;
      },
    ),
  );
  app.get(
    '/console/history/*',
    page(
      (c) => `History of ${rest(c, '/console/history/')}`,
      async (c, caller) => {
        const { reference } = inspectable(c, caller, '/console/history/');
        return <HistoryPage image={await inspectImage(c.var.deps, reference)} page={pageNumber(c)} />;
      },
    ),
  );
  app.get(
    '/console/manifest/*',
    page(
      (c) => `Manifest of ${rest(c, '/console/manifest/')}`,
      async (c, caller) => {
        const { reference, repository } = inspectable(c, caller, '/console/manifest/');
        const manifest = await readManifest(c.var.deps, reference);
        const text = new TextDecoder().decode(manifest.bytes);
        return (
          <RawManifest
            reference={manifest.reference}
            repository={repository}
            digest={manifest.digest}
            mediaType={manifest.mediaType}
            text={text}
            page={pageNumber(c)}
          />
        );
      },
    ),
  );
  app.get(
    '/console/compare',
    page(
      () => 'Compare',
      async (c, caller) => {
        const deps = c.var.deps;
        const from = c.req.query('from')?.trim() ?? '';
        const to = c.req.query('to')?.trim() ?? '';
        if (!from || !to) return <Compare from={from} to={to} />;
        for (const reference of [from, to]) {
          const ref = parseReference(reference);
          requireGrant(deps.config.callers, caller, 'inspect', `${ref.registry}/${ref.repository}`);
        }
        return <Compare from={from} to={to} diff={await diffImages(deps, from, to)} />;
      },
      // A typo keeps both references in the form, with the near tag of the one that is not there.
      async (c, error) => {
        const [from, to] = [c.req.query('from')?.trim() ?? '', c.req.query('to')?.trim() ?? ''];
        return <Compare from={from} to={to} problem={await problemWithHint(c.var.deps, error, [from, to])} />;
      },
    ),
  );
  app.get(
    '/console/rules',
    page(
      () => 'Promotion rules',
      async (c, caller) => <Rules rules={await usableRules(c.var.deps, caller)} />,
    ),
  );
  app.get(
    '/console/rules/:name/plan',
    page(
      (c) => `Dry run of ${c.req.param('name') ?? ''}`,
      async (c, caller) => {
        const [rule, source] = [c.req.param('name')!, (c.req.query('source') ?? '').trim()];
        const { plan } = await planForCaller(c.var.deps, caller, rule, source);
        return <Plan plan={plan} promote={{ rule, source, csrf: csrfToken(c) }} />;
      },
    ),
  );
  // The dry run's Promote: the promotion runs here, as POST /v1/promote with "dryRun": false does.
  app.post(
    '/console/rules/:name/promote',
    action('Promote', async (c, caller, form) => {
      const rule = c.req.param('name')!;
      const done = await promoteForCaller(c.var.deps, caller, rule, (form.source ?? '').trim());
      return c.html(
        <Layout title={`Promoted by ${rule}`} csrf={form.csrf!} signedIn={caller.kind === 'apiKey'} who={whoIs(caller)}>
          <Promoted rule={rule} source={done.plan.source} results={done.results} backups={done.backups} />
        </Layout>,
      );
    }),
  );
  app.get(
    '/console/audit',
    page(
      () => 'Audit',
      async (c, caller) => {
        const deps = c.var.deps;
        requireAnyGrant(deps.config.callers, caller, 'admin');
        const action = c.req.query('action')?.trim() ?? '';
        const by = c.req.query('caller')?.trim() ?? '';
        const cursor = c.req.query('cursor');
        const visible = (repositories: string[]) => isAdminOver(deps.config.callers, caller, repositories);
        const page = await listAuditRecords(deps, { limit: 100, ...(cursor ? { cursor } : {}) }, visible);
        const records = page.records.filter((r) => (!action || r.action === action) && (!by || r.caller === by));
        return <Audit records={records} action={action} caller={by} {...(page.cursor ? { next: page.cursor } : {})} />;
      },
    ),
  );
  app.get('/console/static/console.js', (c) =>
    c.body(CONSOLE_JS, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
    }),
  );
  jobPages(app);
  syncPages(app);
  eventPages(app);
  // Any other console path: a page that says so, with a way back (not the API's JSON).
  app.get(
    '/console/*',
    page(
      () => 'Not found',
      async (c) => {
        throw new AppError('ROUTE_NOT_FOUND', `the console has no page at ${new URL(c.req.url).pathname}`);
      },
    ),
  );
  return app;
}
