// The Prometheus text exposition format (version 0.0.4), as `promtool check metrics` reads it.

import { CATALOG, type MetricDefinition, type MetricKey } from './catalog.js';
import type { Metrics, Series } from './metrics.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelText(labels: Record<string, string>, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  return pairs.length ? `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
}

const number = (value: number) => (Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : '-Inf');

export function prometheusText(metrics: Metrics): string {
  const byMetric = new Map<MetricKey, Series[]>();
  for (const series of metrics.series()) byMetric.set(series.key, [...(byMetric.get(series.key) ?? []), series]);
  const lines: string[] = [];
  for (const key of Object.keys(CATALOG) as MetricKey[]) {
    const definition = CATALOG[key] as MetricDefinition;
    const all = byMetric.get(key);
    if (!all?.length) continue;
    lines.push(`# HELP ${definition.name} ${definition.help}`, `# TYPE ${definition.name} ${definition.type}`);
    for (const series of all) {
      if (definition.type !== 'histogram') {
        lines.push(`${definition.name}${labelText(series.labels)} ${number(series.value)}`);
        continue;
      }
      let cumulative = 0;
      for (const [i, bound] of (definition.buckets ?? []).entries()) {
        cumulative += series.buckets![i]!;
        lines.push(`${definition.name}_bucket${labelText(series.labels, ['le', String(bound)])} ${cumulative}`);
      }
      lines.push(
        `${definition.name}_bucket${labelText(series.labels, ['le', '+Inf'])} ${series.value}`,
        `${definition.name}_sum${labelText(series.labels)} ${number(series.sum ?? 0)}`,
        `${definition.name}_count${labelText(series.labels)} ${series.value}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
