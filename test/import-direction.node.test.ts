// Imports point one way: http -> ops -> registry; kv, state, errors, deps and config are leaves; the registry
// layer is closed; the core uses Web APIs only.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { expect, it } from 'vitest';

const SRC = resolve(__dirname, '../src');
const LAYER_RANK: Record<string, number> = { leaf: 0, registry: 1, ops: 2, http: 3 };

function layerOf(file: string): string {
  const rel = relative(SRC, file);
  const top = rel.split('/')[0]!;
  return top === 'registry' || top === 'ops' || top === 'http' ? top : 'leaf';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
}

it('no layer imports one above it, and the core imports no runtime', () => {
  const problems: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    for (const spec of importsOf(file)) {
      const where = `${relative(SRC, file)} imports ${spec}`;
      if (spec.startsWith('node:') || spec.startsWith('cloudflare:') || spec === 'wrangler') problems.push(`${where}: runtime module in the core`);
      if (spec === 'hono' || spec.startsWith('hono/')) {
        if (from !== 'http') problems.push(`${where}: only http/ may import hono`);
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      const to = layerOf(target);
      if (LAYER_RANK[to]! > LAYER_RANK[from]!) problems.push(`${where}: ${from} must not import ${to}`);
    }
  }
  expect(problems).toEqual([]);
});

// DESIGN.md: the registry layer is closed. It reaches tokens through its TokenStore interface, never KV or
// the state store, and gets RegistryOptions (src/registry/options.ts), not Deps or the whole FerryConfig:
// of config and deps it may name only the types that describe one registry, a fetch and a logger. It checks
// tags and digests with reference.ts, the one parser of references (a leaf: it imports only errors).
// encoding.ts: pure byte encodings (base64, hex), a leaf that imports nothing.
const REGISTRY_MAY_IMPORT = new Set(['errors.ts', 'deps.ts', 'config.ts', 'reference.ts', 'encoding.ts']);
const REGISTRY_TYPES_FROM: Record<string, Set<string>> = {
  'config.ts': new Set(['RegistryConfig', 'Credentials', 'UploadProfile']),
  'deps.ts': new Set(['FetchLike', 'Logger']),
};

it('the registry layer imports only itself, errors, and the types of one registry, a fetch and a logger', () => {
  const problems: string[] = [];
  for (const file of sourceFiles(join(SRC, 'registry'))) {
    const text = readFileSync(file, 'utf8');
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      if (!target.startsWith('registry/') && !REGISTRY_MAY_IMPORT.has(target)) problems.push(`${relative(SRC, file)} imports ${spec}`);
      const allowed = REGISTRY_TYPES_FROM[target];
      if (!allowed) continue;
      for (const statement of text.matchAll(new RegExp(`^\\s*import(\\s+type)?\\s*\\{([^}]*)\\}\\s*from\\s*'${spec.replace(/[.]/g, '\\.')}'`, 'gm'))) {
        const names = statement[2]!.split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter(Boolean);
        if (!statement[1]) problems.push(`${relative(SRC, file)} imports values from ${spec}`);
        for (const name of names) if (!allowed.has(name)) problems.push(`${relative(SRC, file)} imports ${name} from ${spec}`);
      }
    }
  }
  expect(problems).toEqual([]);
});

it('kv and state are leaves: they import neither the layers nor each other', () => {
  const problems: string[] = [];
  for (const folder of ['kv', 'state']) {
    for (const file of sourceFiles(join(SRC, folder))) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        const top = target.split('/')[0]!;
        if (['registry', 'ops', 'http'].includes(top) || (top !== folder && (top === 'kv' || top === 'state'))) problems.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
  }
  expect(problems).toEqual([]);
});

it('the check sees imports (it would catch a wrong arrow)', () => {
  expect(importsOf(join(SRC, 'ops/clients.ts'))).toContain('../registry/client.js');
  expect(importsOf(join(SRC, 'ops/tokens.ts'))).toContain('../kv/records.js');
  expect(layerOf(join(SRC, 'kv/store.ts'))).toBe('leaf');
});
