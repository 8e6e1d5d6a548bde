/** @jsxImportSource hono/jsx */
// The console's sync set pages, on the console's own guards: the sets, a set's runs, its dry run, and a run
// started by a CSRF-checked form.

import type { Hono } from 'hono';
import { dryRunSync, listSyncRuns } from '../../ops/sync/index.js';
import type { AppEnv } from '../app-env.js';
import { runnableSyncSet, runnableSyncSets, startRunFor } from '../syncs.js';
import { action, csrfToken, page } from './guard.js';
import { SyncPlanTable, SyncSetPage, SyncSets } from './pages/syncs.js';

export function syncPages(app: Hono<AppEnv>): void {
  app.get(
    '/console/syncs',
    page(
      () => 'Sync sets',
      async (c, caller) => <SyncSets sets={await runnableSyncSets(c.var.deps, caller)} />,
    ),
  );
  app.get(
    '/console/syncs/:name',
    page(
      (c) => `Sync set ${c.req.param('name') ?? ''}`,
      async (c, caller) => {
        const set = await runnableSyncSet(c.var.deps, caller, c.req.param('name')!);
        return <SyncSetPage name={set.name} runs={await listSyncRuns(c.var.deps, set.name)} csrf={csrfToken(c)} />;
      },
    ),
  );
  app.get(
    '/console/syncs/:name/plan',
    page(
      (c) => `Dry run of ${c.req.param('name') ?? ''}`,
      async (c, caller) => {
        const set = await runnableSyncSet(c.var.deps, caller, c.req.param('name')!);
        return <SyncPlanTable plan={await dryRunSync(c.var.deps, set)} />;
      },
    ),
  );
  app.post(
    '/console/syncs/:name/run',
    action('Run', async (c, caller) => {
      const set = await runnableSyncSet(c.var.deps, caller, c.req.param('name')!);
      await startRunFor(c.var.deps, caller, set);
      return c.redirect(`/console/syncs/${encodeURIComponent(set.name)}`, 303);
    }),
  );
}
