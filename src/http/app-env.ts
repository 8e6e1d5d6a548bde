// The Hono environment every route shares: the authenticated caller set by the app's middleware.

import type { Caller } from './auth.js';

export interface AppEnv {
  Variables: { caller: Caller };
}
