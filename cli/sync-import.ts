// `ferry sync import --from skopeo|regsync FILE`: a skopeo sync YAML or a regsync YAML as Ferry's sync sets
// (the configuration's `syncs`), so a team moves its mirror list as it is. What has no counterpart (stored
// credentials, digests named in a list, a target tag that differs from its source) is said on stderr.

import { parse } from 'yaml';
import { parseReference, parseRepositoryName } from '../src/reference.js';
import { UsageError } from './usage.js';

export interface ImportedSet {
  name: string;
  sources: { registry: string; repositories: string[] }[];
  target: { registry: string; path: string };
  tags?: { regex?: string; exclude?: string; semver?: string };
  schedule?: string;
}

export interface Imported {
  syncs: ImportedSet[];
  notes: string[];
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (patterns: string[]) => `^(?:${patterns.join('|')})$`;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readYaml(text: string, what: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`sync import: not a ${what} YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * skopeo sync's YAML (`--src yaml`): per registry, `images` (a repository's tags, or all of them for []),
 * `images-by-tag-regex` and `images-by-semver`. The destination is skopeo's command-line argument, `target`
 * here ("registry[/prefix]"); `scoped` puts the source registry in the path, as `--scoped` does.
 */
export function fromSkopeo(text: string, target: string, options: { scoped?: boolean; name: string }): Imported {
  const document = readYaml(text, 'skopeo sync');
  if (!isObject(document)) throw new UsageError('sync import: a skopeo sync YAML maps registries to their images');
  const [registry, ...prefixParts] = target.split('/');
  if (!registry) throw new UsageError('sync import: --target names the destination registry[/prefix]');
  const prefix = prefixParts.join('/');
  const path = [prefix, options.scoped ? '{registry}' : '', '{repository}'].filter(Boolean).join('/');
  const notes: string[] = [];
  // One set per registry and selection: a set selects its tags one way for every repository it names.
  const groups = new Map<string, ImportedSet>();
  const add = (host: string, repository: string, tags: ImportedSet['tags']) => {
    const key = JSON.stringify([host, tags]);
    let set = groups.get(key);
    if (!set) {
      set = { name: '', sources: [{ registry: host, repositories: [] }], target: { registry, path }, tags };
      groups.set(key, set);
    }
    set.sources[0]!.repositories.push(repository);
  };
  for (const [host, entry] of Object.entries(document)) {
    if (!isObject(entry)) continue;
    if (entry.credentials) notes.push(`${host}: credentials are not carried over: configure registries["${host}"]`);
    for (const [repository, tags] of Object.entries(isObject(entry.images) ? entry.images : {})) {
      const list = Array.isArray(tags) ? tags.map(String) : [];
      const digests = list.filter((t) => t.includes(':'));
      if (digests.length) notes.push(`${host}/${repository}: digests (${digests.join(', ')}) are no tags: left out`);
      const named = list.filter((t) => !t.includes(':'));
      if (list.length && !named.length) continue;
      add(host, repository, named.length ? { regex: anyOf(named.map(escapeRegex)) } : {});
    }
    for (const [repository, regex] of Object.entries(
      isObject(entry['images-by-tag-regex']) ? entry['images-by-tag-regex'] : {},
    ))
      add(host, repository, { regex: String(regex) });
    for (const [repository, range] of Object.entries(
      isObject(entry['images-by-semver']) ? entry['images-by-semver'] : {},
    ))
      // Masterminds' constraints join with commas where npm's ranges use spaces.
      add(host, repository, { semver: String(range).replace(/\s*,\s*/g, ' ') });
  }
  const syncs = [...groups.values()].map((set, i) => ({ ...set, name: `${options.name}-${i + 1}` }));
  return { syncs, notes };
}

/**
 * regsync's YAML: each `sync` entry of type repository (tags by `allow` and `deny` regexes, each matching a
 * whole tag) or image (one tag), and a `schedule` or an `interval` (per entry, or in `defaults`).
 */
export function fromRegsync(text: string, options: { name: string }): Imported {
  const document = readYaml(text, 'regsync');
  if (!isObject(document) || !Array.isArray(document.sync))
    throw new UsageError('sync import: a regsync YAML has a "sync" list');
  const notes: string[] = [];
  if (Array.isArray(document.creds) && document.creds.length)
    notes.push('creds are not carried over: configure each registry\'s credentials in "registries"');
  const defaults = isObject(document.defaults) ? document.defaults : {};
  const syncs: ImportedSet[] = [];
  for (const [i, entry] of (document.sync as unknown[]).entries()) {
    if (!isObject(entry) || typeof entry.source !== 'string' || typeof entry.target !== 'string') continue;
    const image = entry.type === 'image';
    const from = image ? parseReference(entry.source) : parseRepositoryName(entry.source);
    const to = image ? parseReference(entry.target) : parseRepositoryName(entry.target);
    const tags: ImportedSet['tags'] = {};
    if (image) {
      const tag = (from as { tag?: string }).tag ?? 'latest';
      if (((to as { tag?: string }).tag ?? tag) !== tag)
        notes.push(`sync[${i}]: ${entry.target} renames the tag: Ferry keeps tag names; it copies ${tag} as ${tag}`);
      tags.regex = anyOf([escapeRegex(tag)]);
    } else {
      const filter = isObject(entry.tags) ? entry.tags : {};
      const allow = Array.isArray(filter.allow) ? filter.allow.map(String) : [];
      const deny = Array.isArray(filter.deny) ? filter.deny.map(String) : [];
      if (allow.length) tags.regex = anyOf(allow);
      if (deny.length) tags.exclude = anyOf(deny);
    }
    const schedule = scheduleOf(entry) ?? scheduleOf(defaults);
    syncs.push({
      name: `${options.name}-${i + 1}`,
      sources: [{ registry: from.registry, repositories: [from.repository] }],
      target: { registry: to.registry, path: to.repository },
      ...(Object.keys(tags).length ? { tags } : {}),
      ...(schedule ? { schedule } : {}),
    });
  }
  return { syncs, notes };
}

/** regsync's `schedule` (cron) as it is, or its `interval` ("15m", "1h") as the cron that comes as often. */
function scheduleOf(entry: Record<string, unknown>): string | undefined {
  if (typeof entry.schedule === 'string') return entry.schedule;
  const interval = typeof entry.interval === 'string' ? /^(\d+)(m|h)$/.exec(entry.interval) : null;
  if (!interval) return undefined;
  const n = Number(interval[1]);
  if (interval[2] === 'm') return n >= 60 && n % 60 === 0 ? `0 */${n / 60} * * *` : `*/${Math.max(1, n)} * * * *`;
  return n >= 24 ? '0 0 * * *' : `0 */${n} * * *`;
}
