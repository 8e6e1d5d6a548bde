// The house's shape, checked on every run (docs/architecture.md draws it): imports point one way, down a
// fixed order of floors and, inside src/ops/, of wings; no file reaches itself through its imports; a wing
// is entered through its front door (index.ts); the registry layer knows nothing of the service; the core
// uses Web APIs only.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');

// Floors, highest first. A file may import its own floor's files (inside one folder or wing) and any lower
// floor; never a higher one, nor another group on its own floor. Within src/ops/ the wings run
// webhooks -> front -> sync -> jobs -> mirror -> promote -> inspect -> copy -> resolve/referrers -> registries -> audit.
const FLOORS: [group: string, rank: number][] = [
  ['cli', 100],
  ['worker.ts', 90],
  ['entries', 90],
  ['adapters', 85],
  ['src/http', 80],
  ['src/ops/webhooks', 70],
  ['src/ops/front', 65],
  ['src/ops/sync', 62],
  ['src/ops/jobs', 60],
  ['src/ops/mirror', 55],
  ['src/ops/promote', 50],
  ['src/ops/inspect', 45],
  ['src/ops/tags', 42],
  ['src/ops/copy', 40],
  ['src/ops/resolve.ts', 35],
  ['src/ops/referrers.ts', 35],
  ['src/ops/registries', 30],
  ['src/ops/audit.ts', 25],
  ['src/ops/events', 22],
  ['src/policy.ts', 20],
  ['src/identity.ts', 20],
  ['src/oidc.ts', 20],
  ['src/deps.ts', 18],
  ['src/config', 15],
  ['src/registry', 10],
  ['src/kv', 8],
  ['src/state', 8],
  ['src/signatures', 8],
  ['src/sealed-secrets.ts', 8],
  ['src/glob.ts', 6],
  ['src/patterns.ts', 5],
  ['src/reference.ts', 5],
  ['src/semver.ts', 5],
  ['src/cron.ts', 5],
  ['src/metrics', 2],
  ['src/encoding.ts', 1],
  ['src/errors.ts', 1],
  ['src/constant-time.ts', 1],
  ['src/control-text.ts', 1],
  ['src/pool.ts', 1],
];
const WINGS = FLOORS.map(([g]) => g).filter((g) => g.startsWith('src/ops/') && !g.endsWith('.ts'));

function groupOf(file: string): string {
  const rel = relative(ROOT, file);
  const found = FLOORS.map(([g]) => g).find((g) => rel === g || rel.startsWith(`${g}/`));
  if (!found) throw new Error(`${rel} is on no floor: add it to FLOORS (and to docs/architecture.md)`);
  return found;
}
const rankOf = (group: string) => FLOORS.find(([g]) => g === group)![1];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every module a file names: static imports and re-exports (types too), and dynamic imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^\s*(?:import|export)\s[^;]*?from\s+|\bimport\(\s*)'([^']+)'/gms)].map((m) => m[1]!);
}

function resolveImport(file: string, spec: string): string {
  const base = resolve(dirname(file), spec);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx')])
    if (existsSync(candidate)) return candidate;
  throw new Error(`${relative(ROOT, file)}: cannot resolve ${spec}`);
}

const FILES = [
  ...sourceFiles(SRC),
  ...sourceFiles(join(ROOT, 'adapters')),
  ...sourceFiles(join(ROOT, 'cli')),
  ...sourceFiles(join(ROOT, 'entries')),
  join(ROOT, 'worker.ts'),
];
const GRAPH = new Map(
  FILES.map((f) => [
    f,
    importsOf(f)
      .filter((s) => s.startsWith('.'))
      .map((s) => resolveImport(f, s)),
  ]),
);

/** Groups of files that reach each other through their imports (Tarjan's strongly connected components). */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do component.push((w = stack.pop()!));
      while (w !== v);
      if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.map((f) => relative(ROOT, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

it('no file reaches itself through its imports (no circle, type imports included)', () => {
  expect(circles(GRAPH)).toEqual([]);
});

it('the check sees a circle where there is one', () => {
  expect(
    circles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
      ]),
    ),
  ).toEqual([['a', 'b', 'c']]);
});

it('imports run down the floors and, in src/ops/, down the wings', () => {
  const problems: string[] = [];
  for (const [file, targets] of GRAPH) {
    const from = groupOf(file);
    for (const target of targets) {
      const to = groupOf(target);
      if (to !== from && rankOf(to) >= rankOf(from))
        problems.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}: ${from} must not import ${to}`);
    }
  }
  expect(problems).toEqual([]);
});

it('a wing is entered only through its front door (index.ts)', () => {
  const problems: string[] = [];
  for (const [file, targets] of GRAPH) {
    const from = groupOf(file);
    for (const target of targets) {
      const to = groupOf(target);
      if (to !== from && WINGS.includes(to) && target !== join(ROOT, to, 'index.ts'))
        problems.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}`);
    }
  }
  expect(problems).toEqual([]);
});

it('the core (src/) imports no runtime, and only src/http/ imports hono', () => {
  const problems: string[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of importsOf(file)) {
      const where = `${relative(SRC, file)} imports ${spec}`;
      if (spec.startsWith('node:') || spec.startsWith('cloudflare:') || spec.startsWith('bun:') || spec === 'wrangler')
        problems.push(`${where}: runtime module in the core`);
      if ((spec === 'hono' || spec.startsWith('hono/')) && groupOf(file) !== 'src/http')
        problems.push(`${where}: only http/ may import hono`);
    }
  }
  expect(problems).toEqual([]);
});

// DESIGN.md: the registry layer is closed. Its vocabulary (RegistryConfig, Credentials, UploadProfile, a
// fetch, a logger: src/registry/options.ts) is its own; the configuration maps onto it. It reaches tokens
// through its TokenStore interface, never KV or the state store, and checks tags and digests with
// reference.ts, the one parser of references. This list only ever shrinks.
const REGISTRY_MAY_IMPORT = new Set(['src/errors.ts', 'src/reference.ts', 'src/encoding.ts']);

it('the registry layer imports only itself, errors, references and encodings', () => {
  const problems: string[] = [];
  for (const file of sourceFiles(join(SRC, 'registry'))) {
    for (const target of GRAPH.get(file)!) {
      const rel = relative(ROOT, target);
      if (!rel.startsWith('src/registry/') && !REGISTRY_MAY_IMPORT.has(rel))
        problems.push(`${relative(ROOT, file)} imports ${rel}`);
    }
  }
  expect(problems).toEqual([]);
});

it('the checks see imports (they would catch a wrong arrow)', () => {
  expect(GRAPH.get(join(SRC, 'ops/registries/clients.ts'))).toContain(join(SRC, 'registry/client.ts'));
  expect(GRAPH.get(join(SRC, 'ops/registries/tokens.ts'))).toContain(join(SRC, 'kv/records.ts'));
  expect(groupOf(join(SRC, 'ops/jobs/run.ts'))).toBe('src/ops/jobs');
  expect(rankOf('src/ops/jobs')).toBeGreaterThan(rankOf('src/ops/copy'));
});
