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
import { AuditQuerySchema, validate } from './schemas.js';
import { tracedDeps } from './trace.js';
import { traceRequests } from './request-trace.js';
import { observabilityRoutes } from './observability.js';
import { eventSinkRoutes } from './event-sinks.js';

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
  app.use('*', traceRequests(deps));
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

  app.route('/', observabilityRoutes());
  app.route('/', eventSinkRoutes());

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
