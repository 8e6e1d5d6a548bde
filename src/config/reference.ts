// The configuration reference table (docs/configuration.md), generated from the one schema
// (src/config/schema.ts): every field's path and what it accepts. `npm run config:doc` prints it; a test keeps
// docs/configuration.md's copy equal.

import { configJsonSchema } from './schema.js';

type Json = Record<string, any>;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function accepts(node: Json): string {
  if (node.anyOf) {
    const parts = (node.anyOf as Json[]).map((n) =>
      n.type === 'object' && n.properties?.secret ? '`{"secret": NAME}`' : accepts(n),
    );
    return [...new Set(parts)].join(' or ');
  }
  if (node.enum) return (node.enum as unknown[]).map((v) => `\`${JSON.stringify(v)}\``).join(', ');
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  const type = Array.isArray(node.type) ? node.type.join(' or ') : node.type;
  const bounds = [
    node.minimum !== undefined
      ? `≥ ${node.minimum}`
      : node.exclusiveMinimum !== undefined
        ? `> ${node.exclusiveMinimum}`
        : '',
    node.maximum !== undefined && node.maximum !== MAX_SAFE ? `≤ ${node.maximum}` : '',
    node.minLength ? `non-empty` : '',
  ].filter(Boolean);
  if (type === 'array')
    return `list of ${accepts(node.items ?? {})}${node.minItems ? ` (at least ${node.minItems})` : ''}`;
  return [type ?? 'any', ...bounds].join(' ');
}

function rows(node: Json, path: string, out: string[][]): void {
  if (node.type === 'object' && node.properties) {
    for (const [key, child] of Object.entries(node.properties as Record<string, Json>)) {
      // `match` and `requireSignature` are accepted only to be refused with a message saying what to write.
      if (key === '$schema' || key === 'match' || key === 'requireSignature') continue;
      const required = (node.required as string[] | undefined)?.includes(key);
      const before = out.length;
      rows(child, path ? `${path}.${key}` : key, out);
      if (required && out.length === before + 1) out[before]![2] = 'yes';
    }
    return;
  }
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') {
    const key = /registries$/.test(path) ? '<host[:port]>' : /receivers$/.test(path) ? '<id>' : '<name>';
    if (node.additionalProperties.type === 'object' && node.additionalProperties.properties)
      return rows(node.additionalProperties, `${path}.${key}`, out);
    out.push([`${path}.${key}`, accepts(node.additionalProperties), '']);
    return;
  }
  if (node.type === 'array' && node.items?.type === 'object' && node.items.properties)
    return rows(node.items, `${path}[]`, out);
  if (node.type === 'array' && node.items?.oneOf) return rows(node.items, `${path}[]`, out);
  // A choice of objects told apart by a constant `kind` (signers): each kind's fields, named by it.
  if (node.oneOf && (node.oneOf as Json[]).every((o) => o.properties?.kind?.const !== undefined)) {
    for (const option of node.oneOf as Json[]) {
      const { kind, ...fields } = option.properties as Record<string, Json>;
      rows({ ...option, properties: fields }, `${path}{kind: "${kind!.const}"}`, out);
    }
    return;
  }
  out.push([path, accepts(node), '']);
}

/** The configuration reference of docs/configuration.md: one row per field. */
export function configReferenceTable(): string {
  const out: string[][] = [];
  rows(configJsonSchema() as Json, '', out);
  const lines = out.map(([path, what, required]) => `| \`${path}\` | ${what} | ${required} |`);
  return ['| field | accepts | required |', '| --- | --- | --- |', ...lines].join('\n');
}
