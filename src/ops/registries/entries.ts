// Registry entries admins manage through the API, beside the configured (read-only) ones: checked with the
// configuration's own schema, their secret values sealed at rest, reached at public addresses only unless
// the operator allows more, and merged into each request's configuration from a short per-instance cache.

import type { Caller } from '../../config/callers.js';
import type { FerryConfig } from '../../config/parse.js';
import { ConfigProblems, schemaProblems } from '../../config/problems.js';
import { buildRegistry, RegistrySchema, type RegistryDocument, type RegistryEntry } from '../../config/registries.js';
import { HOST_KEY } from '../../config/values.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { normalizeRegistryHost } from '../../reference.js';
import { classifyHostname, wildcardTooWide } from '../../registry/egress.js';
import { isSealed, seal, SealError, unseal, type SealedValue } from '../../sealed-secrets.js';
import { stateKeys } from '../../state/records.js';
import { unreadableView, view, type RegistryEntryView, type StoredEntry } from './entry-view.js';
import { getStateJson, replaceState } from '../../state/store.js';

type Path = readonly string[];

// Where a document holds secret values: these are sealed, never stored or answered in the clear.
const SECRET_PATHS: Path[] = [
  ['credentials', 'password'],
  ['credentials', 'token'],
  ['credentials', 'identityToken'],
  ['credentials', 'aws', 'accessKeyId'],
  ['credentials', 'aws', 'secretAccessKey'],
  ['credentials', 'aws', 'sessionToken'],
  ['credentials', 'google', 'serviceAccountKey'],
  ['credentials', 'azure', 'clientSecret'],
  ['credentials', 'githubApp', 'privateKey'],
];

function secretPaths(document: RegistryDocument): Path[] {
  return [
    ...SECRET_PATHS,
    ['credentials', 'username'],
    ...Object.keys(document.headers ?? {}).map((name) => ['headers', name]),
  ];
}

function at(document: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined),
    document,
  );
}

/** A copy of the document with each value at a secret path replaced by `replace(path, value)`. */
async function mapSecrets(
  document: RegistryDocument,
  replace: (path: Path, value: unknown) => Promise<unknown>,
): Promise<RegistryDocument> {
  const copy = structuredClone(document) as Record<string, any>;
  for (const path of secretPaths(document)) {
    const value = at(copy, path);
    if (value === undefined) continue;
    const parent = at(copy, path.slice(0, -1)) as Record<string, unknown>;
    parent[path.at(-1)!] = await replace(path, value);
  }
  return copy as RegistryDocument;
}

// The value is bound to its entry and field: a sealed value copied elsewhere does not open.
const sealContext = (host: string, path: Path) => `ferry-registry-entry\u0000${host}\u0000${path.join('.')}`;

const invalid = (path: string, message: string) =>
  new AppError('INVALID_REQUEST', `registry${path === 'top level' ? '' : `.${path}`}: ${message}`);

/** The host of a path parameter, refused unless it is a plain host[:port]. */
export function entryHost(raw: string): string {
  let host: string;
  try {
    host = decodeURIComponent(raw);
  } catch {
    host = raw;
  }
  if (!HOST_KEY.test(host)) throw new AppError('INVALID_REQUEST', 'expected a registry host[:port] in the path');
  return normalizeRegistryHost(host.toLowerCase());
}

function refuseAddress(config: FerryConfig, what: string, hostname: string): void {
  if (config.managedRegistries.allowPrivateAddresses) return;
  const cls = classifyHostname(hostname.replace(/^\*\./, 'x.'));
  if (cls !== 'public')
    throw new AppError(
      'ADDRESS_NOT_ALLOWED',
      `${what} is a ${cls} address: entries added through the API reach public addresses only ` +
        `(managedRegistries.allowPrivateAddresses)`,
    );
}

/**
 * Checks an entry's body as the configuration would, and what only the static configuration may do:
 * name environment secrets, move cloud endpoints, reach private addresses or plain http.
 */
function checkBody(config: FerryConfig, host: string, body: unknown): RegistryDocument {
  const parsed = RegistrySchema.safeParse(body);
  if (!parsed.success) {
    const [first] = schemaProblems(parsed.error, RegistrySchema);
    throw invalid(first!.path, first!.message);
  }
  const document = parsed.data;
  for (const path of secretPaths(document)) {
    const value = at(document, path);
    if (typeof value === 'object' && value !== null)
      throw invalid(
        path.join('.'),
        'give the value itself: environment secrets are named only in the static configuration',
      );
  }
  for (const kind of ['aws', 'google', 'azure', 'githubApp'] as const) {
    if (document.credentials?.[kind]?.endpoints)
      throw invalid(`credentials.${kind}.endpoints`, 'cloud endpoints are set only in the static configuration');
  }
  if (document.insecure && !config.managedRegistries.allowInsecure)
    throw new AppError(
      'INSECURE_NOT_ALLOWED',
      'entries added through the API speak https only (managedRegistries.allowInsecure)',
    );
  refuseAddress(config, `registry ${host}`, new URL(`https://${host}`).hostname);
  for (const mirror of document.mirrors ?? [])
    refuseAddress(config, `mirror ${new URL(mirror).host}`, new URL(mirror).hostname);
  for (const listed of [...(document.authHosts ?? []), ...(document.blobHosts ?? [])]) {
    if (wildcardTooWide(listed))
      throw new AppError('ADDRESS_NOT_ALLOWED', `host ${listed} is a wildcard over addresses or a whole domain`);
    refuseAddress(config, `host ${listed}`, listed.replace(/:\d+$/, ''));
  }
  if (document.mirrors?.some((m) => m.startsWith('http:')) && !document.insecure)
    throw new AppError('INSECURE_NOT_ALLOWED', 'a plain http mirror needs "insecure"');
  const problems = new ConfigProblems(() => undefined);
  const built = buildRegistry(host, document, problems);
  const first = problems.list[0];
  if (first) throw invalid(first.path.replace(/^registries\[[^\]]*\]\.?/, '') || 'top level', first.message);
  const cloud = built.cloud;
  const federated =
    cloud &&
    ((cloud.kind === 'aws' && cloud.roleArn) ||
      (cloud.kind === 'google' && cloud.workloadIdentityProvider) ||
      (cloud.kind === 'azure' && !cloud.clientSecret));
  if (federated && !config.identity)
    throw invalid(
      `credentials.${cloud.kind}`,
      'federation needs Ferry\'s own identity: the operator configures "identity"',
    );
  return document;
}

/** Stores an entry (replacing the one there): configured entries are read-only. */
export async function putRegistryEntry(
  deps: Deps,
  caller: Caller,
  rawHost: string,
  body: unknown,
): Promise<RegistryEntryView> {
  const host = entryHost(rawHost);
  const config = baseConfig(deps.config);
  if (config.registries.has(host))
    throw new AppError('CONFLICT', `registry ${host} comes from the configuration and cannot be changed here`);
  const document = checkBody(config, host, body);
  const { keys, activeKid } = config.managedRegistries;
  const key = keys.find((k) => k.kid === activeKid);
  const sealed = await mapSecrets(document, async (path, value) => {
    if (!key)
      throw new AppError(
        'NOT_SUPPORTED',
        'storing credentials needs sealing keys: the operator configures managedRegistries.keys',
      );
    return seal(key, value as string, sealContext(host, path));
  });
  const stored: StoredEntry = {
    host,
    document: sealed,
    updatedAt: new Date(deps.now()).toISOString(),
    updatedBy: caller.id,
  };
  await replaceState(deps.state, stateKeys.registry(host), JSON.stringify(stored));
  forgetManagedRegistries(deps.config);
  return view(buildManaged(config, host, document), 'api', stored);
}

export async function deleteRegistryEntry(deps: Deps, rawHost: string): Promise<void> {
  const host = entryHost(rawHost);
  const config = baseConfig(deps.config);
  if (config.registries.has(host))
    throw new AppError('CONFLICT', `registry ${host} comes from the configuration and cannot be removed here`);
  if (!(await deps.state.get(stateKeys.registry(host))))
    throw new AppError('NOT_FOUND', `no registry entry for ${host} was added through the API`);
  await deps.state.delete(stateKeys.registry(host));
  forgetManagedRegistries(deps.config);
}

/** The entry for a host as GET shows it: configured, or added through the API; undefined when neither. */
export async function getRegistryEntry(deps: Deps, rawHost: string): Promise<RegistryEntryView | undefined> {
  const host = entryHost(rawHost);
  const config = baseConfig(deps.config);
  const configured = config.registries.get(host);
  if (configured) return view(configured, 'config');
  const stored = await getStateJson<StoredEntry>(deps.state, stateKeys.registry(host));
  if (!stored) return undefined;
  const opened = await openEntry(config, stored.value);
  return view(opened, 'api', stored.value);
}

/** Every entry, configured first. */
export async function listRegistryEntries(deps: Deps): Promise<RegistryEntryView[]> {
  const config = baseConfig(deps.config);
  const fromApi = (await readStoredEntries(deps)).map((s) => s.entry).filter((s) => !config.registries.has(s.host));
  const managed = await Promise.all(
    fromApi.map(async (s) => {
      try {
        return view(await openEntry(config, s), 'api', s);
      } catch (error) {
        // One entry that no longer opens (a sealing key replaced) is shown as such; the others as they are.
        if (!(error instanceof SealError)) throw error;
        return unreadableView(s, error.message);
      }
    }),
  );
  return [...[...config.registries.values()].map((r) => view(r, 'config')), ...managed];
}

async function readStoredEntries(deps: Deps): Promise<{ entry: StoredEntry; version: number }[]> {
  const entries: { entry: StoredEntry; version: number }[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.state.list(stateKeys.registriesPrefix(), cursor ? { cursor } : {});
    for (const e of page.entries) entries.push({ entry: JSON.parse(e.value) as StoredEntry, version: e.version });
    cursor = page.cursor;
  } while (cursor);
  return entries;
}

function buildManaged(config: FerryConfig, host: string, document: RegistryDocument): RegistryEntry {
  const built = buildRegistry(host, document, new ConfigProblems(() => undefined));
  return config.managedRegistries.allowPrivateAddresses ? built : { ...built, publicOnly: true };
}

/** A stored entry with its secrets opened, as the registry layer uses it. */
async function openEntry(config: FerryConfig, stored: StoredEntry): Promise<RegistryEntry> {
  const document = await mapSecrets(stored.document, async (path, value) =>
    isSealed(value)
      ? unseal(config.managedRegistries.keys, value as SealedValue, sealContext(stored.host, path))
      : value,
  );
  return buildManaged(config, stored.host, document);
}

// ---- Each request's configuration: the configured entries, then those added through the API ----

interface Merged {
  config: FerryConfig;
  /** Which stored versions it holds: an unchanged store keeps the same object (and its clients, tokens). */
  fingerprint: string;
  readAt: number;
  pending?: Promise<Merged>;
}

const mergedOf = new WeakMap<FerryConfig, Merged>();
const baseOf = new WeakMap<FerryConfig, FerryConfig>();

const baseConfig = (config: FerryConfig) => baseOf.get(config) ?? config;

/** Makes this instance read the entries again on its next request (after a change made here). */
function forgetManagedRegistries(config: FerryConfig): void {
  const held = mergedOf.get(baseConfig(config));
  if (held) held.readAt = Number.NEGATIVE_INFINITY;
}

/**
 * Deps whose configuration also holds the entries added through the API, read at most once per
 * `managedRegistries.cacheMs` per instance (so another instance sees a change within that time, without a
 * store read per request). A store that cannot be read leaves the entries this instance last saw.
 */
export async function withManagedRegistries(deps: Deps): Promise<Deps> {
  if (baseOf.has(deps.config)) return deps;
  const base = deps.config;
  let held = mergedOf.get(base);
  const now = deps.now();
  if (!held || now - held.readAt >= base.managedRegistries.cacheMs) {
    const previous = held;
    const slot = previous ?? { config: base, fingerprint: '', readAt: Number.NEGATIVE_INFINITY };
    slot.pending ??= readMerged(deps, base, previous).finally(() => (slot.pending = undefined));
    held = await slot.pending;
    mergedOf.set(base, held);
  }
  return held.config === base ? deps : { ...deps, config: held.config };
}

async function readMerged(deps: Deps, base: FerryConfig, previous: Merged | undefined): Promise<Merged> {
  const readAt = deps.now();
  let stored: { entry: StoredEntry; version: number }[];
  try {
    stored = await readStoredEntries(deps);
  } catch (error) {
    deps.log.warn('registry entries: could not read those added through the API; using what this instance last read', {
      error: error instanceof Error ? error.message : 'unknown',
    });
    return { config: previous?.config ?? base, fingerprint: previous?.fingerprint ?? '', readAt };
  }
  const fingerprint = stored.map((s) => `${s.entry.host}@${s.version}`).join(' ');
  if (previous && previous.fingerprint === fingerprint) return { config: previous.config, fingerprint, readAt };
  if (!stored.length) return { config: base, fingerprint, readAt };
  const registries = new Map<string, RegistryEntry>();
  for (const { entry } of stored) {
    if (base.registries.has(entry.host)) continue; // the configuration wins
    try {
      registries.set(entry.host, await openEntry(base, entry));
    } catch (error) {
      const why = error instanceof SealError ? error.message : 'it no longer passes the checks';
      deps.log.warn('registry entries: an entry added through the API is left out', { host: entry.host, why });
    }
  }
  for (const [host, registry] of base.registries) registries.set(host, registry);
  const config: FerryConfig = { ...base, registries };
  baseOf.set(config, base);
  return { config, fingerprint, readAt };
}
