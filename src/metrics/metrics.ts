// Ferry's counters, gauges and histograms, kept in memory per process (Node, Deno, Bun) or per isolate
// (Workers). Small and Web-standard on purpose: prom-client needs Node modules Workers lacks.

import { CATALOG, type Labels, type LabelName, type MetricDefinition, type MetricKey } from './catalog.js';

/** What is kept of one series: a counter's or gauge's value, or a histogram's buckets, sum and count. */
export interface Series {
  key: MetricKey;
  labels: Record<string, string>;
  value: number;
  /** Histograms: observations at or under each bound of the definition's buckets (not cumulative). */
  buckets?: number[];
  sum?: number;
}

// A safety net under the bounded label values: however a caller labels, a metric keeps at most this many series.
const MAX_SERIES = 500;

export class Metrics {
  readonly #series = new Map<string, Series>();
  /** Each series as it was at the last drain, for deltas (Workers' data points). */
  readonly #drained = new Map<string, { value: number; sum: number; buckets: number[] }>();
  readonly #perMetric = new Map<MetricKey, number>();

  count<K extends MetricKey>(key: K, labels: Labels<K>, by = 1): void {
    if (by > 0) this.#find(key, labels).value += by;
  }

  set<K extends MetricKey>(key: K, labels: Labels<K>, value: number): void {
    this.#find(key, labels).value = value;
  }

  observe<K extends MetricKey>(key: K, labels: Labels<K>, value: number): void {
    const series = this.#find(key, labels);
    const bounds = (CATALOG[key] as MetricDefinition).buckets ?? [];
    const at = bounds.findIndex((b) => value <= b);
    if (at >= 0) series.buckets![at]!++;
    series.sum! += value;
    series.value++;
  }

  /** Every series, those of fixed label values included at zero (a scrape sees a counter before it moves). */
  series(): Series[] {
    for (const key of Object.keys(CATALOG) as MetricKey[]) {
      const definition = CATALOG[key] as MetricDefinition;
      if (definition.type === 'gauge' || !definition.labels.every((l) => definition.values?.[l])) continue;
      for (const labels of combinations(definition)) this.#find(key, labels as never);
    }
    return [...this.#series.values()];
  }

  /** What moved since the last drain: counters and histograms as deltas, a gauge that changed as it is. */
  drain(): Series[] {
    const moved: Series[] = [];
    for (const [id, series] of this.#series) {
      const gauge = (CATALOG[series.key] as MetricDefinition).type === 'gauge';
      const before = this.#drained.get(id) ?? { value: gauge ? NaN : 0, sum: 0, buckets: [] };
      if (series.value === before.value) continue;
      const buckets = series.buckets?.map((count, i) => count - (before.buckets[i] ?? 0));
      moved.push({
        ...series,
        value: gauge ? series.value : series.value - before.value,
        ...(series.sum !== undefined ? { sum: series.sum - before.sum } : {}),
        ...(buckets ? { buckets } : {}),
      });
      this.#drained.set(id, { value: series.value, sum: series.sum ?? 0, buckets: [...(series.buckets ?? [])] });
    }
    return moved;
  }

  #find(key: MetricKey, given: Record<string, string>): Series {
    const definition = CATALOG[key] as MetricDefinition;
    const labels: Record<string, string> = {};
    for (const name of definition.labels) labels[name] = bounded(definition, name, given[name]);
    let id = `${key}${JSON.stringify(labels)}`;
    let series = this.#series.get(id);
    if (series) return series;
    if ((this.#perMetric.get(key) ?? 0) >= MAX_SERIES) {
      for (const name of definition.labels) if (!definition.values?.[name]) labels[name] = 'other';
      id = `${key}${JSON.stringify(labels)}`;
      series = this.#series.get(id);
      if (series) return series;
    }
    series = {
      key,
      labels,
      value: 0,
      ...(definition.type === 'histogram' ? { buckets: (definition.buckets ?? []).map(() => 0), sum: 0 } : {}),
    };
    this.#series.set(id, series);
    this.#perMetric.set(key, (this.#perMetric.get(key) ?? 0) + 1);
    return series;
  }
}

function bounded(definition: MetricDefinition, name: LabelName, value: string | undefined): string {
  const allowed = definition.values?.[name];
  if (!value) return 'other';
  return allowed && !allowed.includes(value) ? 'other' : value;
}

function combinations(definition: MetricDefinition): Record<string, string>[] {
  let all: Record<string, string>[] = [{}];
  for (const name of definition.labels)
    all = all.flatMap((partial) => definition.values![name]!.map((v) => ({ ...partial, [name]: v })));
  return all;
}
