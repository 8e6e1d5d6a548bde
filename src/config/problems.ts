// What is wrong with a configuration, said as paths one would write in JavaScript and plain messages
// (never a value: it may be a secret), all of them at once.

import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { SecretLookup } from './values.js';

export interface ConfigProblem {
  path: string;
  message: string;
}

/** `registries["a.io"].credentials.password`: the path as one would write it in JavaScript. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || 'top level';
}

type AnySchema = { _zod: { def: Record<string, any> } };

/** The keys an object in the schema allows at `path` (through optionals, records, arrays and unions). */
function allowedKeys(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let nodes: AnySchema[] = [schema];
  const unwrap = (node: AnySchema): AnySchema[] => {
    const def = node._zod.def;
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') return unwrap(def.innerType);
    if (def.type === 'union') return (def.options as AnySchema[]).flatMap(unwrap);
    if (def.type === 'pipe') return unwrap(def.in);
    return [node];
  };
  for (const step of path) {
    nodes = nodes.flatMap(unwrap).flatMap((node) => {
      const def = node._zod.def;
      if (def.type === 'object') return def.shape[step as string] ? [def.shape[step as string]] : [];
      if (def.type === 'record') return [def.valueType];
      if (def.type === 'array') return [def.element];
      return [];
    });
  }
  return nodes
    .flatMap(unwrap)
    .flatMap((node) => (node._zod.def.type === 'object' ? Object.keys(node._zod.def.shape) : []));
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const held = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      previous = held;
    }
  }
  return row[b.length]!;
}

/** The allowed key a typo most likely meant: within a third of its length (at least 2 edits), else none. */
export function didYouMean(key: string, allowed: string[]): string | undefined {
  const ranked = allowed.map((a) => ({ a, d: distance(key, a) })).sort((x, y) => x.d - y.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.a : undefined;
}

/** A JSON value's type as a person names it: string, number, boolean, null, array or object. */
function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** The value at `path` of the document, or undefined. */
function valueAt(document: unknown, path: PropertyKey[]): unknown {
  let value = document;
  for (const key of path)
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/**
 * Every problem zod found, as paths and plain messages (never the offending value: it may be a secret; its type
 * is said where the type is wrong, from `document`).
 */
export function schemaProblems(error: z.ZodError, schema: AnySchema, document?: unknown): ConfigProblem[] {
  return error.issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, issue.path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, allowed);
        return {
          path: formatPath(issue.path),
          message: `unknown field "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
        };
      });
    }
    if (issue.code === 'invalid_union' && issue.path.length && issue.message === 'Invalid input')
      return [{ path: formatPath(issue.path), message: 'has the wrong type or shape' }];
    if (issue.code === 'invalid_key')
      return [{ path: formatPath(issue.path), message: issue.issues[0]?.message ?? 'is not a valid key' }];
    const message = issue.message.startsWith('Invalid input: expected')
      ? issue.message.replace('Invalid input: ', '')
      : issue.message;
    if (issue.code === 'invalid_type' && document !== undefined) {
      const received = valueAt(document, issue.path);
      if (received !== undefined) {
        // "expected number, received string", with the schema's own words where it has them.
        const own = message.startsWith(`expected ${issue.expected}`) ? '' : ` (${message.replace(/^expected /, '')})`;
        return [
          { path: formatPath(issue.path), message: `expected ${issue.expected}, received ${typeOf(received)}${own}` },
        ];
      }
    }
    return [{ path: formatPath(issue.path), message }];
  });
}

/** Collects every problem of a configuration, so one run reports them all. */
export class ConfigProblems {
  readonly list: ConfigProblem[] = [];
  constructor(private readonly lookup: SecretLookup) {}

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  /** A string, or the value of the named secret; a missing secret is a problem (its value never is printed). */
  secret(path: string, value: string | { secret: string }): string {
    if (typeof value === 'string') return value;
    const resolved = this.lookup(value.secret);
    if (resolved === undefined || resolved === '') {
      this.add(path, `secret "${value.secret}" is not set`);
      return '';
    }
    return resolved;
  }
}

export function invalidConfig(problems: ConfigProblem[]): AppError {
  const text = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  return new AppError('INVALID_CONFIG', `invalid configuration: ${text}`, { details: { problems } });
}

/**
 * A section's body as an API route takes it (a rule, a sync set): its path names it, and the body may repeat
 * that name but never give another; checked by the section's schema, the first problem an INVALID_REQUEST
 * whose path starts with `what`.
 */
export function parseNamedBody<S extends z.ZodType>(schema: S, body: unknown, name: string, what: string): z.output<S> {
  let document = body;
  if (typeof body === 'object' && body !== null && 'name' in body) {
    const { name: given, ...rest } = body as { name: unknown };
    if (given !== name)
      throw new AppError(
        'INVALID_REQUEST',
        `${what}.name: the body names "${String(given).slice(0, 64)}", the path "${name}"`,
      );
    document = rest;
  }
  const parsed = schema.safeParse(document);
  if (parsed.success) return parsed.data;
  const [first] = schemaProblems(parsed.error, schema as unknown as AnySchema, document);
  throw new AppError(
    'INVALID_REQUEST',
    `${first!.path === 'top level' ? what : `${what}.${first!.path}`}: ${first!.message}`,
  );
}
