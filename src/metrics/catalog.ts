// Every metric Ferry keeps: its Prometheus name (with the established suffixes and base units: _total,
// _seconds, _bytes), what it counts, and its labels. Label values are bounded: fixed lists here, and registry
// receiver and sink names from the static configuration (anything else is "other"), never repositories or tags.

export type LabelName = 'outcome' | 'how' | 'registry' | 'status_class' | 'state' | 'receiver' | 'sink' | 'verdict';

export interface MetricDefinition {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: readonly LabelName[];
  /** The values a label may take; a label without a list takes what the caller bounded (registry, receiver). */
  values?: Partial<Record<LabelName, readonly string[]>>;
  /** Histogram bucket bounds, in the metric's unit. */
  buckets?: readonly number[];
}

const OUTCOMES = ['completed', 'failed'] as const;
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const COPY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export const CATALOG = {
  copies: {
    name: 'ferry_copies_total',
    type: 'counter',
    help: "Copies of an image or of a repository's tags that ended, by outcome.",
    labels: ['outcome'],
    values: { outcome: OUTCOMES },
  },
  copySeconds: {
    name: 'ferry_copy_duration_seconds',
    type: 'histogram',
    help: 'How long copies took, by outcome.',
    labels: ['outcome'],
    values: { outcome: OUTCOMES },
    buckets: COPY_BUCKETS,
  },
  promotions: {
    name: 'ferry_promotions_total',
    type: 'counter',
    help: 'Promotions that ended, by outcome (refused: a gate such as a signature check said no).',
    labels: ['outcome'],
    values: { outcome: ['completed', 'failed', 'refused'] },
  },
  blobs: {
    name: 'ferry_blobs_total',
    type: 'counter',
    help: 'Blobs a copy brought to its target, by how: streamed through Ferry, mounted, or skipped (there already).',
    labels: ['how'],
    values: { how: ['streamed', 'mounted', 'skipped'] },
  },
  blobBytes: {
    name: 'ferry_blob_bytes_total',
    type: 'counter',
    help: 'Bytes of the blobs a copy brought to its target, by how they moved.',
    labels: ['how'],
    values: { how: ['streamed', 'mounted', 'skipped'] },
  },
  upstreamRequests: {
    name: 'ferry_upstream_requests_total',
    type: 'counter',
    help: 'Requests to registries (their mirrors and blob storage too), by registry and answer (error: none came).',
    labels: ['registry', 'status_class'],
    values: { status_class: ['1xx', '2xx', '3xx', '4xx', '5xx', 'error', 'timeout'] },
  },
  upstreamSeconds: {
    name: 'ferry_upstream_request_duration_seconds',
    type: 'histogram',
    help: "Time from sending a request to a registry to its answer's headers.",
    labels: ['registry'],
    buckets: UPSTREAM_BUCKETS,
  },
  upstreamRetries: {
    name: 'ferry_upstream_retries_total',
    type: 'counter',
    help: 'Requests to registries sent again after a failure or a retryable answer.',
    labels: ['registry'],
  },
  upstreamTimeouts: {
    name: 'ferry_upstream_timeouts_total',
    type: 'counter',
    help: 'Requests to registries that ran past a deadline.',
    labels: ['registry'],
  },
  rateLimitRemaining: {
    name: 'ferry_registry_rate_limit_remaining',
    type: 'gauge',
    help: "Pulls a registry last said remain in its quota window (Docker Hub's RateLimit-Remaining).",
    labels: ['registry'],
  },
  jobs: {
    name: 'ferry_jobs_total',
    type: 'counter',
    help: 'Jobs that reached each state (queued, running, done, failed, cancelled).',
    labels: ['state'],
    values: { state: ['queued', 'running', 'done', 'failed', 'cancelled'] },
  },
  webhookDeliveries: {
    name: 'ferry_webhook_deliveries_total',
    type: 'counter',
    help: 'Webhook deliveries received, by receiver and outcome (accepted, duplicate, refused).',
    labels: ['receiver', 'outcome'],
    values: { outcome: ['accepted', 'duplicate', 'refused'] },
  },
  eventDeliveries: {
    name: 'ferry_event_deliveries_total',
    type: 'counter',
    help: 'Attempts to deliver events to sinks, by sink and outcome (delivered, retried later, dead letter).',
    labels: ['sink', 'outcome'],
    values: { outcome: ['delivered', 'retried', 'dead'] },
  },
  signatureVerdicts: {
    name: 'ferry_signature_verdicts_total',
    type: 'counter',
    help: 'Signature gates decided, by verdict.',
    labels: ['verdict'],
    values: { verdict: ['verified', 'refused'] },
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof CATALOG;
export type Labels<K extends MetricKey> = { [L in (typeof CATALOG)[K]['labels'][number]]: string };
