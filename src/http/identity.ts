// Ferry's OIDC discovery and keys, public: clouds fetch them to verify the tokens Ferry presents.

import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { discoveryDocument, publicKeys } from '../identity.js';
import type { AppEnv } from './app-env.js';

export function identityRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const identity = () => {
    if (!deps.config.identity)
      throw new AppError('ROUTE_NOT_FOUND', 'this Ferry has no workload identity (configure "identity")');
    return deps.config.identity;
  };
  app.get('/.well-known/openid-configuration', (c) => c.json(discoveryDocument(identity())));
  app.get('/.well-known/jwks.json', async (c) =>
    c.json(await publicKeys(identity()), 200, { 'cache-control': 'public, max-age=300' }),
  );
  return app;
}
