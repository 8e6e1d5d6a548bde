/** @jsxImportSource hono/jsx */
// Events: the sinks the caller administers, and a sink's dead letters (events it never took).

import type { EventSinkView, PendingEvent } from '../../../ops/events/index.js';
import { Columns } from './layout.js';

export function EventSinks(props: { sinks: EventSinkView[] }) {
  return (
    <table id="sinks">
      <caption>Event sinks you administer (docs/events.md)</caption>
      <Columns names={['Sink', 'Receiver', 'Kinds', 'Outcomes', 'Repositories']} />
      <tbody>
        {props.sinks.map((sink) => (
          <tr>
            <td>
              <a href={`/console/events/${encodeURIComponent(sink.name)}/dead`}>{sink.name}</a>{' '}
              <small>({sink.origin === 'api' ? `API, ${sink.author ?? ''}` : 'configuration'})</small>
            </td>
            <td>
              <code>{sink.url}</code> <small>{sink.format}</small>
            </td>
            <td>{sink.kinds?.join(', ') ?? 'all'}</td>
            <td>{sink.outcomes?.join(', ') ?? 'all'}</td>
            <td>
              {(sink.repositories ?? ['all']).map((glob) => (
                <div>
                  <code>{glob}</code>
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DeadLetters(props: { sink: string; letters: PendingEvent[]; next?: string }) {
  const older = (cursor: string) =>
    `/console/events/${encodeURIComponent(props.sink)}/dead?${new URLSearchParams({ cursor })}`;
  return (
    <>
      <table id="dead-letters">
        <caption>
          Events {props.sink} never took after every retry, newest first (about repositories you administer)
        </caption>
        <Columns names={['When', 'Event', 'About', 'Attempts', 'Last answer', 'Job']} />
        <tbody>
          {props.letters.map(({ event, attempts, last }) => {
            const job = typeof event.data.job === 'string' ? event.data.job : undefined;
            return (
              <tr class="dead">
                <td>{event.time}</td>
                <td>
                  {event.type} <small>{event.id}</small>
                </td>
                <td>
                  <code>{event.subject ?? ''}</code>
                </td>
                <td>{attempts}</td>
                <td>{last ?? ''}</td>
                <td>{job ? <a href={`/console/jobs/${encodeURIComponent(job)}`}>{job}</a> : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.next ? <a href={older(props.next)}>Older dead letters</a> : null}
    </>
  );
}
