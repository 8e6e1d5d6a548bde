// What every sender format provides: its proof (in the headers, checked before the body is read; or over
// the body), and its events, each boiled down to one pushed tag.

import type { WebhookReceiver } from '../../config/webhooks.js';
import type { Deps } from '../../deps.js';

/** One pushed tag, as every format boils down to. */
export interface PushEvent {
  /** The sender's id for the delivery or event: the same id runs once. */
  id: string;
  repository: string;
  tag: string;
  /** Absent when the sender names only the tag (Docker Hub, Quay): resolved when the job runs. */
  digest?: string;
}

/** A header of the delivery, '' when absent. */
export type Header = (name: string) => string;

export interface SenderFormat {
  /** The proof a sender carries in its headers: checked before the body is read. */
  verifyHeaders?(deps: Deps, receiver: WebhookReceiver, header: Header): Promise<void>;
  /** The proof a sender computes over the raw body (GitHub's HMAC). */
  verifyBody?(receiver: WebhookReceiver, header: Header, raw: Uint8Array): Promise<void>;
  /** The pushed tags in a body (a JSON object); UNKNOWN_EVENT_FORMAT when it is not this sender's. */
  parse(body: Record<string, unknown>, raw: Uint8Array): PushEvent[] | Promise<PushEvent[]>;
}

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
