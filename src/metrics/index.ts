// Metrics: what Ferry counts (catalog), where it is kept (Metrics), and how it is read out: the Prometheus
// text format on Node, Deno and Bun, Analytics Engine data points on Workers.

export { CATALOG, type LabelName, type Labels, type MetricDefinition, type MetricKey } from './catalog.js';
export { Metrics, type Series } from './metrics.js';
export { prometheusText, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
export { writeDataPoints, type AnalyticsEngineDataset } from './analytics-engine.js';
