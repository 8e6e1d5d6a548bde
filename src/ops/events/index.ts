// The events wing's front door: what happened, told to the configured sinks (CloudEvents, Standard Webhooks).

export { cloudEvent, type CloudEvent, type EventKind, type EventOutcome, type FerryEvent } from './cloud-event.js';
export { publishEvent } from './publish.js';
export { deliver, retryDueEvents, type PendingEvent } from './deliver.js';
export { listDeadLetters } from './dead-letters.js';
