// The events wing's front door: what happened, told to the sinks (CloudEvents, Standard Webhooks): those of the
// configuration and those admins add through the API.

export { cloudEvent, type CloudEvent, type EventKind, type EventOutcome, type FerryEvent } from './cloud-event.js';
export { publishEvent } from './publish.js';
export { deliver, retryDueEvents, type PendingEvent } from './deliver.js';
export { listDeadLetters, type DeadLetterPage } from './dead-letters.js';
export {
  deleteEventSink,
  findEventSink,
  getEventSinkView,
  listEventSinkViews,
  putEventSink,
  type EventSinkView,
} from './sinks.js';
