// On Workers, metrics go to Workers Analytics Engine: what moved in this isolate since the last flush, one
// data point per series (blob1 the metric's name, then its label values in the catalog's order; double1 the
// delta, or a gauge's value; a histogram's double2 its sum and double3… the observations in each bucket).
// Analytics Engine samples, so its SQL sums `_sample_interval * double1` (docs/metrics.md has each query).

import { CATALOG, type MetricDefinition } from './catalog.js';
import type { Metrics } from './metrics.js';

/** The part of an Analytics Engine binding Ferry uses. */
export interface AnalyticsEngineDataset {
  writeDataPoint(point: { blobs?: string[]; doubles?: number[]; indexes?: string[] }): void;
}

// Analytics Engine takes at most 250 data points per invocation; Ferry's catalog stays far below.
const MAX_POINTS = 200;

export function writeDataPoints(metrics: Metrics, dataset: AnalyticsEngineDataset): number {
  const moved = metrics.drain().slice(0, MAX_POINTS);
  for (const series of moved) {
    const definition = CATALOG[series.key] as MetricDefinition;
    dataset.writeDataPoint({
      indexes: [definition.name],
      blobs: [definition.name, ...definition.labels.map((l) => series.labels[l] ?? '')],
      doubles:
        definition.type === 'histogram' ? [series.value, series.sum ?? 0, ...(series.buckets ?? [])] : [series.value],
    });
  }
  return moved.length;
}
