// The `events` part of the configuration: sinks that receive what happened (copies, promotions, jobs) as
// CloudEvents signed the Standard Webhooks way, filtered by kind, outcome and repository.

import { z } from 'zod';
import { fromBase64 } from '../encoding.js';
import { classifyHostname } from '../registry/egress.js';
import type { Caller } from './callers.js';
import { formatPath, type ConfigProblems } from './problems.js';
import { HttpUrl, SecretValueSchema, seconds, positiveInt } from './values.js';

export const EVENT_KINDS = ['copy', 'promotion', 'sync', 'job'] as const;
export const EVENT_OUTCOMES = ['completed', 'failed', 'refused', 'cancelled'] as const;
export const SINK_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const SinkSchema = z.strictObject({
  url: z.string().url("expected the receiver's URL (https://…)"),
  /** Standard Webhooks secrets ("whsec_" and base64): each delivery is signed with every one (rotation). */
  secrets: z.array(SecretValueSchema).optional(),
  format: z.enum(['cloudevents', 'slack']).optional(),
  kinds: z.array(z.enum(EVENT_KINDS)).min(1).optional(),
  outcomes: z.array(z.enum(EVENT_OUTCOMES)).min(1).optional(),
  /** Globs of the repositories an event is about ("ghcr.io/acme/**"); none: every repository. */
  repositories: z.array(z.string().includes('/', { error: 'expected globs like "ghcr.io/org/**"' })).optional(),
  /** A receiver at a private or loopback address, or over plain http (a local relay). */
  allowPrivateAddresses: z.boolean().optional(),
});

export const EventsSchema = z.strictObject({
  /** Where Ferry's console is reached: Slack messages link a job's page there. */
  consoleUrl: HttpUrl.optional(),
  sinks: z.record(z.string().regex(SINK_NAME, 'names are 1-64 of A-Z a-z 0-9 _ -'), SinkSchema).optional(),
  /** Sinks admins add through the API (PUT /v1/events/sinks/<name>). */
  managedSinks: z
    .strictObject({
      /** They may point at private or loopback addresses, or plain http (a local relay). */
      allowPrivateAddresses: z.boolean().optional(),
    })
    .optional(),
  retry: z
    .strictObject({
      /** The pause before the first retry; each next one doubles it (with jitter), up to an hour. */
      firstSeconds: seconds(0.01).optional(),
      /** Attempts before a delivery goes to the dead letters (12: about nine hours). */
      attempts: positiveInt(1, 'a number of attempts').optional(),
    })
    .optional(),
});

export interface EventSink {
  name: string;
  /** Who added it through the API (configured sinks have none): it is told only what they may see. */
  author?: Caller;
  url: string;
  /** Secret keys (decoded from whsec_ base64). */
  keys: Uint8Array[];
  format: 'cloudevents' | 'slack';
  kinds?: readonly string[];
  outcomes?: readonly string[];
  repositories?: string[];
  allowPrivateAddresses: boolean;
}

export interface EventsConfig {
  sinks: EventSink[];
  /** Whether sinks added through the API may reach private addresses or plain http. */
  managedSinksPrivate: boolean;
  consoleUrl?: string;
  retryFirstMs: number;
  attempts: number;
}

const DEFAULT_RETRY_FIRST_SECONDS = 30;
const DEFAULT_ATTEMPTS = 12;

function decodeSecret(value: string): Uint8Array | undefined {
  if (!value.startsWith('whsec_')) return undefined;
  try {
    const bytes = fromBase64(value.slice(6), 'secret');
    return bytes.length >= 24 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One sink, checked as delivery checks it (its address public unless allowed, https, a secret unless Slack),
 * its secrets resolved and decoded: for the configuration's sinks and for those added through the API.
 */
export function buildSink(
  name: string,
  sink: z.infer<typeof SinkSchema>,
  where: string,
  problems: ConfigProblems,
): EventSink {
  const url = new URL(sink.url);
  const allowPrivate = sink.allowPrivateAddresses === true;
  const place = classifyHostname(url.hostname);
  if (place !== 'public' && !allowPrivate)
    problems.add(
      `${where}.url`,
      `${url.hostname} is a ${place} address: events go to public receivers unless "allowPrivateAddresses": true`,
    );
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivate))
    problems.add(`${where}.url`, 'expected https:// (plain http only with "allowPrivateAddresses": true)');
  if (!sink.secrets?.length && sink.format !== 'slack')
    problems.add(`${where}.secrets`, 'expected at least one "whsec_…" secret (a Slack webhook needs none)');
  const keys = (sink.secrets ?? []).map((secret, i) => {
    const resolved = problems.secret(`${where}.secrets[${i}]`, secret);
    const key = resolved ? decodeSecret(resolved) : undefined;
    if (resolved && !key)
      problems.add(`${where}.secrets[${i}]`, 'expected "whsec_" and the base64 of 24 or more random bytes');
    return key ?? new Uint8Array();
  });
  return {
    name,
    url: url.toString(),
    keys,
    format: sink.format ?? 'cloudevents',
    ...(sink.kinds ? { kinds: sink.kinds } : {}),
    ...(sink.outcomes ? { outcomes: sink.outcomes } : {}),
    ...(sink.repositories ? { repositories: sink.repositories } : {}),
    allowPrivateAddresses: allowPrivate,
  };
}

/** The `events` section: each configured sink built by buildSink. */
export function buildEvents(value: z.infer<typeof EventsSchema> | undefined, problems: ConfigProblems): EventsConfig {
  const sinks = Object.entries(value?.sinks ?? {}).map(([name, sink]) =>
    buildSink(name, sink, formatPath(['events', 'sinks', name]), problems),
  );
  return {
    sinks,
    managedSinksPrivate: value?.managedSinks?.allowPrivateAddresses === true,
    ...(value?.consoleUrl ? { consoleUrl: value.consoleUrl } : {}),
    retryFirstMs: (value?.retry?.firstSeconds ?? DEFAULT_RETRY_FIRST_SECONDS) * 1000,
    attempts: value?.retry?.attempts ?? DEFAULT_ATTEMPTS,
  };
}
