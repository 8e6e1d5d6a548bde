// Builds the HTTP application from a runtime's dependencies: public routes, caller authentication,
// the protected routes, then one error mapping.

import { Hono } from 'hono';
import { configJsonSchema } from '../config/schema.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { auditRecordsLost, listAuditRecords } from '../ops/audit.js';
import type { AppEnv } from './app-env.js';
import { checkAnonymousRequest } from './anonymous-guard.js';
import { authenticate } from './auth.js';
import { copyRoutes } from './copy.js';
import { problemResponse } from './errors.js';
import { frontRoutes } from './front/routes.js';
import { readRoutes } from './inspect.js';
import { tagRoutes } from './tag-routes.js';
import { identityRoutes } from './identity.js';
import { jobRoutes } from './jobs.js';
import { promoteRoutes } from './promote.js';
import { registryRoutes } from './registries.js';
import { syncRoutes } from './syncs.js';
import { consoleRoutes } from './console/routes.js';
import { withManagedRegistries } from '../ops/registries/index.js';
import { registryQuotas } from '../ops/front/index.js';
import { webhookRoutes } from './webhooks.js';
import { openApiDocument } from './openapi/document.js';
import { isAdminOver, requireAnyGrant } from '../policy.js';
import { AuditQuerySchema, DeadLettersQuerySchema, validate } from './schemas.js';
import { listDeadLetters } from '../ops/events/index.js';
import { prometheusText, PROMETHEUS_CONTENT_TYPE } from '../metrics/index.js';
import { traceOf, tracedDeps, tracedLogger } from './trace.js';
import { withRequestId } from './errors.js';

const PUBLIC_PATHS = new Set([
  '/healthz',
  '/openapi.json',
  '/config.schema.json',
  '/.well-known/openid-configuration',
  '/.well-known/jwks.json',
]);
// Webhook senders prove themselves per receiver (see webhooks.ts), not as callers.
// The console (console/routes.tsx) knows its users by their session cookie, not an Authorization header.
// The registry front (front/routes.ts) answers registry clients the way they expect: tokens of its own.
const isPublic = (path: string) =>
  PUBLIC_PATHS.has(path) ||
  path.startsWith('/v1/webhooks/') ||
  path === '/console' ||
  path.startsWith('/console/') ||
  path === '/v1/token' ||
  path === '/v2' ||
  path.startsWith('/v2/');

/** The methods the app's routes take for this path (middleware, registered for every method, aside). */
function allowedMethods(app: Hono<AppEnv>, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.path === '/*' || route.path === '*') continue;
    const pattern = new RegExp(
      `^${route.path
        .split('/')
        .map((s) => (s.startsWith(':') ? '[^/]+' : s === '*' ? '.*' : s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}$`,
    );
    if (pattern.test(path)) methods.add(route.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Every request: its trace (the caller's traceparent, or a new one), its id on the answer and in any problem
  // document, and one log line when it is answered.
  app.use('*', async (c, next) => {
    const trace = traceOf(c.req.header('traceparent'));
    c.set('trace', trace);
    const started = Date.now();
    await next();
    c.res = await withRequestId(c.res, trace.spanId);
    const used = c.var.deps ?? deps;
    tracedLogger(deps.log, trace).info('request', {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ...(c.var.caller ? { caller: c.var.caller.id } : {}),
      ...(used.hostsReached?.size ? { registries: [...used.hostsReached].sort().join(',') } : {}),
      durationMs: Date.now() - started,
    });
  });
  // Audit records lost (refused by the state store) since this process or isolate started: an alert's input;
  // and the pull quotas upstreams announced to the registry front (Docker Hub's), as last seen here.
  app.get('/healthz', (c) =>
    c.json({ ok: true, auditRecordsLost: auditRecordsLost(), registryQuotas: registryQuotas() }),
  );
  // A browser at the root is someone looking for the console; an API client gets the usual 404.
  app.get('/', (c) =>
    (c.req.header('accept') ?? '').includes('text/html') ? c.redirect('/console', 303) : c.notFound(),
  );
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/config.schema.json', (c) => c.json(configJsonSchema()));
  app.route('/', identityRoutes(deps));

  // Each request gets Deps whose `defer` is its own invocation's waitUntil (Workers); elsewhere work simply goes on.
  app.use('*', async (c, next) => {
    let waitUntil: ((work: Promise<unknown>) => void) | undefined;
    try {
      const ctx = c.executionCtx;
      waitUntil = (work) => ctx.waitUntil(work);
    } catch {
      waitUntil = undefined; // Hono throws outside Workers: there is no invocation to extend
    }
    // The configuration with the registry entries added through the API (cached briefly per instance).
    const merged = await withManagedRegistries(deps);
    c.set('deps', tracedDeps(waitUntil ? { ...merged, defer: waitUntil } : merged, c.get('trace')));
    return next();
  });
  app.use('*', async (c, next) => {
    if (isPublic(c.req.path)) return next();
    const caller = await authenticate(deps, c.req.header('authorization'));
    if (caller.kind === 'anonymous') checkAnonymousRequest(deps.config.callers, c.req.raw);
    c.set('caller', caller);
    return next();
  });

  app.route('/', frontRoutes());
  app.route('/', readRoutes(deps));
  app.route('/', copyRoutes(deps));
  app.route('/', tagRoutes());
  app.route('/', jobRoutes(deps));
  app.route('/', promoteRoutes(deps));
  app.route('/', webhookRoutes(deps));
  app.route('/', registryRoutes(deps));
  app.route('/', syncRoutes());
  app.route('/', consoleRoutes(deps));
  app.get('/v1/audit', async (c) => {
    const deps = c.var.deps;
    const caller = c.get('caller');
    requireAnyGrant(deps.config.callers, caller, 'admin');
    const { limit, cursor } = validate(AuditQuerySchema, c.req.query(), 'query');
    const visible = (repositories: string[]) => isAdminOver(deps.config.callers, caller, repositories);
    return c.json(
      await listAuditRecords(deps, { limit: Number(limit ?? 100), ...(cursor ? { cursor } : {}) }, visible),
    );
  });

  // Events a sink never took (after every retry), newest first: those about repositories the caller administers.
  app.get('/v1/events/dead', async (c) => {
    const deps = c.var.deps;
    requireAnyGrant(deps.config.callers, c.get('caller'), 'admin');
    const { sink, limit, cursor } = validate(DeadLettersQuerySchema, c.req.query(), 'query');
    if (!deps.config.events.sinks.some((s) => s.name === sink))
      throw new AppError('NOT_FOUND', `no event sink "${sink}" is configured`);
    const caller = c.get('caller');
    const visible = (repositories: string[]) => isAdminOver(deps.config.callers, caller, repositories);
    const page = { limit: Number(limit ?? 100), ...(cursor ? { cursor } : {}) };
    return c.json(await listDeadLetters(deps, sink, page, visible));
  });

  // Read where one process keeps every count (Node, Deno, Bun); a Workers isolate holds only its own share.
  app.get('/metrics', (c) => {
    const deps = c.var.deps;
    if (!deps.exposeMetrics || !deps.metrics)
      throw new AppError(
        'METRICS_ELSEWHERE',
        'this runtime counts in each isolate apart and sends the counts to Analytics Engine: query them there',
      );
    requireAnyGrant(deps.config.callers, c.get('caller'), 'metrics');
    return c.body(prometheusText(deps.metrics), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
  });

  // A known path asked with another method is a 405 that says which methods it takes.
  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (!allowed.length) return problemResponse(new AppError('ROUTE_NOT_FOUND', 'no such route'), deps.log);
    const response = problemResponse(
      new AppError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed here; use ${allowed.join(', ')}`),
      deps.log,
    );
    response.headers.set('allow', allowed.join(', '));
    return response;
  });
  app.onError((error) => problemResponse(error, deps.log));
  return app;
}
