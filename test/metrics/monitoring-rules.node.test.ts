// Issue 34, monitoring: the recording and alerting rules in docs/monitoring/ are read by Prometheus's own
// promtool (`check rules`, and `test rules` with series two Ferry processes would expose), name only metrics
// Ferry keeps and cover every one; the Grafana dashboard draws only those rules, each panel's query valid PromQL.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CATALOG } from '../../src/metrics/catalog.js';
import { requireBinary } from '../support/binaries.js';

const DIR = join(import.meta.dirname, '../../docs/monitoring');
const RULES = join(DIR, 'ferry.rules.yml');

interface RuleFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
}
interface Dashboard {
  __inputs: { name: string; type: string }[];
  panels: { title: string; targets: { expr: string }[] }[];
}

const rules = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
const scratch = mkdtempSync(join(tmpdir(), 'ferry-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function promtool(...args: string[]): string {
  try {
    return execFileSync(requireBinary('promtool'), args, { cwd: DIR, encoding: 'utf8' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed: ${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** The series names a metric of the catalog exposes (a histogram: its buckets, sum and count). */
function exposedNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const metric of Object.values(CATALOG)) {
    const suffixes = metric.type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    for (const suffix of suffixes) names.set(`${metric.name}${suffix}`, metric.name);
  }
  return names;
}

const metricNames = (expr: string) => [...expr.matchAll(/\bferry_[a-z_]+/g)].map((m) => m[0]);
const ruleNames = (expr: string) => [...expr.matchAll(/\bferry:[a-z0-9_:]+/g)].map((m) => m[0]);

describe('monitoring rules and dashboard', () => {
  it('promtool checks the rules and passes their unit tests', () => {
    expect(promtool('check', 'rules', RULES)).toMatch(/SUCCESS: \d+ rules found/);
    expect(promtool('test', 'rules', 'ferry.rules.test.yml')).toContain('SUCCESS');
  });

  it('the rules name only metrics Ferry exposes, and every metric has a rule', () => {
    const exposed = exposedNames();
    const used = rules.flatMap((rule) => metricNames(rule.expr));
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
    const covered = new Set(used.map((name) => exposed.get(name)));
    expect(
      Object.values(CATALOG)
        .filter((metric) => !covered.has(metric.name))
        .map((m) => m.name),
    ).toEqual([]);
  });

  it('the dashboard is importable and each panel draws recording rules, in valid PromQL', () => {
    expect(dashboard.__inputs.map((input) => input.type)).toEqual(['datasource']);
    const recorded = new Set(rules.map((rule) => rule.record).filter(Boolean));
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    for (const expr of exprs) {
      expect(ruleNames(expr).length, expr).toBeGreaterThan(0);
      expect(ruleNames(expr).filter((name) => !recorded.has(name))).toEqual([]);
    }
    // Each recording rule is drawn somewhere.
    const drawn = new Set(exprs.flatMap(ruleNames));
    expect([...recorded].filter((name) => !drawn.has(name!))).toEqual([]);
    // promtool parses each panel's query as the expression of a rule.
    const file = join(scratch, 'panels.yml');
    const group = exprs.map((expr, i) => `      - record: ferry:panel_${i}\n        expr: ${JSON.stringify(expr)}`);
    writeFileSync(file, `groups:\n  - name: panels\n    rules:\n${group.join('\n')}\n`);
    expect(promtool('check', 'rules', file)).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});
