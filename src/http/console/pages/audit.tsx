/** @jsxImportSource hono/jsx */
// The audit records the caller may read, filtered.

import { Columns } from './layout.js';

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
  const filters = {
    ...(props.action ? { action: props.action } : {}),
    ...(props.caller ? { caller: props.caller } : {}),
  };
  const query = (cursor: string) => `/console/audit?${new URLSearchParams({ ...filters, cursor })}`;
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
        <Columns names={['When', 'Caller', 'Action', 'Subject', 'Outcome']} />
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
