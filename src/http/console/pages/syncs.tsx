/** @jsxImportSource hono/jsx */
// Sync sets: those the caller may run, each set's runs, a dry run's plan, and a button that runs it now.

import type { SyncPlan, SyncRun } from '../../../ops/sync/index.js';
import { Columns } from './layout.js';

interface SetView {
  name: string;
  origin: string;
  sources: { registry: string; repositories: string[]; prefix?: string }[];
  target: { registry: string; path: string };
  schedule?: string;
  prune: boolean;
}

export function SyncSets(props: { sets: SetView[] }) {
  return (
    <table id="syncs">
      <caption>Sync sets you may run</caption>
      <Columns names={['Set', 'Sources', 'Target', 'Schedule']} />
      <tbody>
        {props.sets.map((set) => (
          <tr>
            <td>
              <a href={`/console/syncs/${encodeURIComponent(set.name)}`}>{set.name}</a>{' '}
              <small>({set.origin === 'api' ? 'API' : 'configuration'})</small>
            </td>
            <td>
              {set.sources.flatMap((s) =>
                (s.prefix !== undefined ? [`${s.prefix}…`] : s.repositories).map((r) => (
                  <div>
                    <code>
                      {s.registry}/{r}
                    </code>
                  </div>
                )),
              )}
            </td>
            <td>
              <code>
                {set.target.registry}/{set.target.path}
              </code>
              {set.prune ? <small> (pruned)</small> : null}
            </td>
            <td>{set.schedule ? <code>{set.schedule}</code> : 'on request'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SyncSetPage(props: { name: string; runs: SyncRun[]; csrf: string }) {
  const path = `/console/syncs/${encodeURIComponent(props.name)}`;
  return (
    <>
      <form method="post" action={`${path}/run`} class="inline">
        <input type="hidden" name="csrf" value={props.csrf} />
        <button type="submit">Run now</button> <a href={`${path}/plan`}>Dry run</a>
      </form>
      <table id="runs">
        <caption>Runs, newest first</caption>
        <Columns
          names={[
            'Started',
            'Trigger',
            'State',
            'Copied',
            'Up to date',
            'Pruned',
            'Failed',
            'Bytes',
            'Requests',
            'Jobs',
          ]}
        />
        <tbody>
          {props.runs.map((run) => (
            <tr class={run.state}>
              <td>{run.startedAt}</td>
              <td>{run.trigger}</td>
              <td>
                {run.state}
                {run.errors.map((e) => (
                  <p class="error">
                    {e.repository}
                    {e.tag ? `:${e.tag}` : ''}: {e.code}: {e.message}
                  </p>
                ))}
              </td>
              <td>{run.counts.copied}</td>
              <td>{run.counts.skipped}</td>
              <td>{run.counts.pruned}</td>
              <td>{run.counts.failed}</td>
              <td>{run.bytes}</td>
              <td>{run.requests}</td>
              <td>
                {run.jobs.map((id) => (
                  <div>
                    <a href={`/console/jobs/${encodeURIComponent(id)}`}>{id.slice(-8)}</a>
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function SyncPlanTable(props: { plan: SyncPlan }) {
  // A repository that could not be planned shows as one row with its error.
  const rows = props.plan.repositories.flatMap((r) =>
    r.error
      ? [{ r, tag: '-', action: 'failed', said: `${r.error.code}: ${r.error.message}` }]
      : r.steps.map((step) => ({ r, tag: step.tag, action: step.action, said: `${step.action}: ${step.reason}` })),
  );
  return (
    <table id="plan">
      <caption>What a run would do (nothing is written)</caption>
      <Columns names={['Source', 'Target', 'Tag', 'Action']} />
      <tbody>
        {rows.map(({ r, tag, action, said }) => (
          <tr class={action}>
            <td>
              <code>{r.source}</code>
            </td>
            <td>
              <code>{r.target}</code>
            </td>
            <td>{tag}</td>
            <td>{said}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
