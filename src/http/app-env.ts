// The Hono environment every route shares: the authenticated caller and the request's own Deps, set by
// the app's middleware.

import type { Deps } from '../deps.js';
import type { Caller } from '../config/callers.js';
import type { Trace } from './trace.js';

/** How a streamed answer ended (its status was sent before): the request's log line says it when it ends. */
export interface Ending {
  outcome?: 'completed' | 'failed' | 'handed-over';
  code?: string;
}

export interface AppEnv {
  Variables: { caller: Caller; deps: Deps; trace: Trace; ending: Ending };
}
