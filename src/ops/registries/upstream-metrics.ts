// What each attempt at an upstream request adds to the metrics: its answer's class, its time to headers,
// a retry or a timeout, and the pull quota the registry announced. Labelled by the registry the transport
// serves (mirrors and blob storage count under it), or "other" for one the static configuration does not
// name: registries added through the API or reached because they are public would make labels unbounded.

import type { Metrics } from '../../metrics/index.js';
import type { UpstreamAnswer } from '../../registry/options.js';

export function recordUpstream(
  metrics: Metrics,
  from: { key: string; configured: boolean },
  answer: UpstreamAnswer,
): void {
  const registry = from.configured ? from.key : 'other';
  const statusClass = answer.failure ?? `${Math.floor((answer.status ?? 0) / 100)}xx`;
  metrics.count('upstreamRequests', { registry, status_class: statusClass });
  if (answer.status !== undefined) metrics.observe('upstreamSeconds', { registry }, answer.seconds);
  if (answer.retry) metrics.count('upstreamRetries', { registry });
  if (answer.failure === 'timeout') metrics.count('upstreamTimeouts', { registry });
  if (answer.remaining !== undefined) metrics.set('rateLimitRemaining', { registry }, answer.remaining);
}
