// `ferry inspect --format '{{.Digest}}'`: the Go-template field paths skopeo and crane users type, over the
// fields skopeo inspect names (Name, Digest, Created, Labels, Architecture, Os, Env, Layers, …), printed as Go
// prints them (a list as [a b], a map as map[k:v], sorted). {{.Field.Sub}} and {{json .Field}}, nothing more.

import { UsageError } from './usage.js';

/** What Ferry's inspect answered, as skopeo inspect names it. An index has no image fields without --platform. */
export function skopeoFields(image: Record<string, any>): Record<string, unknown> {
  const config = image.config ?? {};
  const reference = String(image.reference ?? '');
  return {
    Name: reference.replace(/[@:][^/]*$/, ''),
    Digest: image.digest,
    MediaType: image.mediaType,
    Created: config.created,
    Labels: config.labels ?? {},
    Architecture: config.architecture,
    Os: config.os,
    Variant: config.variant,
    Env: config.env ?? [],
    Entrypoint: config.entrypoint,
    Cmd: config.cmd,
    Layers: (image.layers ?? []).map((l: { digest: string }) => l.digest),
    Platforms: (image.manifests ?? []).map((m: { platform?: string }) => m.platform),
  };
}

/** Object keys in order, as Go's encoding/json writes a map. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, sortedKeys(record[k])]),
  );
}

/** A value as Go's text/template prints it. */
function goText(value: unknown): string {
  if (value === undefined || value === null) return '<no value>';
  if (Array.isArray(value)) return `[${value.map(goText).join(' ')}]`;
  if (typeof value === 'object')
    return `map[${Object.keys(value)
      .sort()
      .map((k) => `${k}:${goText((value as Record<string, unknown>)[k])}`)
      .join(' ')}]`;
  return String(value);
}

function lookup(fields: Record<string, unknown>, path: string): unknown {
  if (path === '.') return fields;
  let value: unknown = fields;
  for (const key of path.slice(1).split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    const record = value as Record<string, unknown>;
    const found =
      Object.keys(record).find((k) => k === key) ??
      Object.keys(record).find((k) => k.toLowerCase() === key.toLowerCase());
    value = found === undefined ? undefined : record[found];
  }
  return value;
}

/** Renders a template: each {{.Path}} or {{json .Path}} replaced, the rest printed as it is. */
export function renderTemplate(template: string, fields: Record<string, unknown>): string {
  return template.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, action: string) => {
    const json = action.match(/^json\s+(\.[A-Za-z0-9_.]*)$/);
    if (json) return JSON.stringify(sortedKeys(lookup(fields, json[1]!) ?? null));
    if (/^\.[A-Za-z0-9_.]*$/.test(action)) return goText(lookup(fields, action));
    throw new UsageError(`inspect: --format: "{{${action}}}": expected {{.Field}}, {{.Field.Sub}} or {{json .Field}}`);
  });
}
