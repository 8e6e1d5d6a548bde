// Where events go: the configuration's sinks (read-only) and those admins add through the API, stored in the
// state store (an event right after a change must find it). A stored sink is checked as a configured one is,
// names only repositories its author administers, keeps its secrets (and a Slack URL, itself a credential)
// sealed at rest, and is told only what its author may still see.

import type { Caller } from '../../config/callers.js';
import { buildSink, SINK_NAME, SinkSchema, type EventSink } from '../../config/events.js';
import { ConfigProblems, parseNamedBody } from '../../config/problems.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { authorOf, coversGlob } from '../../policy.js';
import { isSealed, seal, unseal, SealError, type SealedValue } from '../../sealed-secrets.js';
import { stateKeys } from '../../state/records.js';
import { getStateJson, replaceState } from '../../state/store.js';
import type { SinkFilters } from './filter.js';
import type { z } from 'zod';

type SinkDocument = z.infer<typeof SinkSchema>;

interface StoredSink {
  name: string;
  /** The body as given, its secrets (and a Slack URL) sealed. */
  document: Omit<SinkDocument, 'url' | 'secrets'> & { url: string | SealedValue; secrets?: SealedValue[] };
  /** The URL as shown: a Slack webhook's origin only. */
  shownUrl: string;
  author: Caller;
  updatedAt: string;
}

/** What GET shows of a sink: never a secret, nor a Slack webhook's path. */
export interface EventSinkView {
  name: string;
  origin: 'config' | 'api';
  url: string;
  format: EventSink['format'];
  kinds?: readonly string[];
  outcomes?: readonly string[];
  repositories?: string[];
  /** How many signing secrets it has (their values never leave). */
  secrets: number;
  author?: string;
  updatedAt?: string;
}

// Sinks the API may hold: every event reads them all, so they stay one page of the store.
export const MANAGED_SINKS_MAX = 100;

const sealContext = (name: string, field: string) => `ferry-event-sink\u0000${name}\u0000${field}`;

function sinkName(raw: string): string {
  if (!SINK_NAME.test(raw)) throw new AppError('INVALID_REQUEST', 'sink names are 1-64 of A-Z a-z 0-9 _ -');
  return raw;
}

const configured = (deps: Deps, name: string) => deps.config.events.sinks.find((s) => s.name === name);

/** Checks a body as the configuration would, and what only the static configuration may do. */
function checkBody(deps: Deps, name: string, body: unknown): SinkDocument {
  const document = parseNamedBody(SinkSchema, body, name, 'sink');
  if (document.secrets?.some((s) => typeof s !== 'string'))
    throw new AppError(
      'INVALID_REQUEST',
      'sink.secrets: give the values themselves: environment secrets are named only in the static configuration',
    );
  if (!document.repositories?.length)
    throw new AppError(
      'INVALID_REQUEST',
      'sink.repositories: a sink added through the API names the repositories it is about',
    );
  if (document.allowPrivateAddresses && !deps.config.events.managedSinksPrivate)
    throw new AppError(
      'ADDRESS_NOT_ALLOWED',
      'sinks added through the API reach public addresses only (events.managedSinks.allowPrivateAddresses)',
    );
  const problems = new ConfigProblems(() => undefined);
  buildSink(name, document, 'sink', problems);
  const first = problems.list[0];
  if (first)
    throw new AppError(
      first.path === 'sink.url' ? 'ADDRESS_NOT_ALLOWED' : 'INVALID_REQUEST',
      `${first.path}: ${first.message}`,
    );
  return document;
}

/** Stores a sink (replacing the one of that name): its author must administer every repository it names. */
export async function putEventSink(deps: Deps, caller: Caller, rawName: string, body: unknown): Promise<EventSinkView> {
  const name = sinkName(rawName);
  if (configured(deps, name))
    throw new AppError('CONFLICT', `sink "${name}" comes from the configuration and cannot be changed here`);
  const document = checkBody(deps, name, body);
  const gap = document.repositories!.find((glob) => !coversGlob(deps.config.callers, caller, 'admin', glob));
  if (gap)
    throw new AppError('FORBIDDEN', `caller ${caller.id} has no "admin" grant covering ${gap}`, {
      details: { missingGrant: { action: 'admin', repository: gap } },
    });
  const { keys, activeKid } = deps.config.managedRegistries;
  const key = keys.find((k) => k.kid === activeKid);
  if (!key)
    throw new AppError(
      'NOT_SUPPORTED',
      "storing a sink's secrets needs sealing keys: the operator configures managedRegistries.keys",
    );
  const existing = await deps.state.get(stateKeys.eventSink(name));
  if (!existing) {
    const page = await deps.state.list(stateKeys.eventSinksPrefix(), { limit: MANAGED_SINKS_MAX });
    if (page.entries.length >= MANAGED_SINKS_MAX)
      throw new AppError('LIMIT_EXCEEDED', `at most ${MANAGED_SINKS_MAX} sinks may be added through the API`);
  }
  const { url, secrets, ...rest } = document;
  const stored: StoredSink = {
    name,
    document: {
      ...rest,
      url: document.format === 'slack' ? await seal(key, url, sealContext(name, 'url')) : url,
      ...(secrets
        ? {
            secrets: await Promise.all(
              secrets.map((s, i) => seal(key, s as string, sealContext(name, `secrets.${i}`))),
            ),
          }
        : {}),
    },
    shownUrl: document.format === 'slack' ? `${new URL(url).origin}/…` : url,
    author: authorOf(caller),
    updatedAt: new Date(deps.now()).toISOString(),
  };
  await replaceState(deps.state, stateKeys.eventSink(name), JSON.stringify(stored));
  return storedView(stored);
}

export async function deleteEventSink(deps: Deps, rawName: string): Promise<void> {
  const name = sinkName(rawName);
  if (configured(deps, name))
    throw new AppError('CONFLICT', `sink "${name}" comes from the configuration and cannot be removed here`);
  await deps.state.delete(stateKeys.eventSink(name));
  // What still waited for it goes with it (its dead letters stay until they expire).
  for (;;) {
    const page = await deps.state.list(stateKeys.eventsPending(name), { limit: 100 });
    for (const entry of page.entries) await deps.state.delete(entry.key);
    if (!page.cursor) return;
  }
}

async function openSink(deps: Deps, stored: StoredSink): Promise<EventSink> {
  const keys = deps.config.managedRegistries.keys;
  const { url, secrets, ...rest } = stored.document;
  const document: SinkDocument = {
    ...rest,
    url: isSealed(url) ? await unseal(keys, url, sealContext(stored.name, 'url')) : url,
    ...(secrets
      ? { secrets: await Promise.all(secrets.map((s, i) => unseal(keys, s, sealContext(stored.name, `secrets.${i}`)))) }
      : {}),
  };
  // Checked again as it is now: an address rule the operator tightened applies to sinks added before.
  const problems = new ConfigProblems(() => undefined);
  const sink = buildSink(stored.name, document, 'sink', problems);
  if (problems.list.length) throw new SealError(problems.list[0]!.message);
  return { ...sink, author: stored.author };
}

async function readStored(deps: Deps): Promise<StoredSink[]> {
  const page = await deps.state.list(stateKeys.eventSinksPrefix(), { limit: MANAGED_SINKS_MAX });
  return page.entries.map((e) => JSON.parse(e.value) as StoredSink);
}

/**
 * The sinks events may go to that `wanted` keeps (judged before a stored sink's secrets are opened): the
 * configuration's, then those added through the API that still open.
 */
export async function eventSinks(
  deps: Deps,
  wanted: (filters: SinkFilters) => boolean = () => true,
): Promise<EventSink[]> {
  const stored = await readStored(deps);
  const opened: EventSink[] = [];
  for (const sink of stored) {
    const { kinds, outcomes, repositories } = sink.document;
    if (configured(deps, sink.name) || !wanted({ kinds, outcomes, repositories, author: sink.author })) continue;
    try {
      opened.push(await openSink(deps, sink));
    } catch (error) {
      deps.log.warn('event sinks: a sink added through the API is left out', {
        sink: sink.name,
        why: error instanceof Error ? error.message : 'unknown',
      });
    }
  }
  return [...deps.config.events.sinks.filter(wanted), ...opened];
}

/** The sink of that name, configured or added through the API (undefined: neither, or it no longer opens). */
export async function findEventSink(deps: Deps, rawName: string): Promise<EventSink | undefined> {
  const name = sinkName(rawName);
  const fromConfig = configured(deps, name);
  if (fromConfig) return fromConfig;
  const stored = await getStateJson<StoredSink>(deps.state, stateKeys.eventSink(name));
  return stored ? openSink(deps, stored.value).catch(() => undefined) : undefined;
}

function storedView(stored: StoredSink): EventSinkView {
  const { secrets, kinds, outcomes, repositories, format } = stored.document;
  return {
    name: stored.name,
    origin: 'api',
    url: stored.shownUrl,
    format: format ?? 'cloudevents',
    ...(kinds ? { kinds } : {}),
    ...(outcomes ? { outcomes } : {}),
    ...(repositories ? { repositories } : {}),
    secrets: secrets?.length ?? 0,
    author: stored.author.id,
    updatedAt: stored.updatedAt,
  };
}

function configuredView(sink: EventSink): EventSinkView {
  const url = new URL(sink.url);
  return {
    name: sink.name,
    origin: 'config',
    url: sink.format === 'slack' ? `${url.origin}/…` : sink.url,
    format: sink.format,
    ...(sink.kinds ? { kinds: sink.kinds } : {}),
    ...(sink.outcomes ? { outcomes: sink.outcomes } : {}),
    ...(sink.repositories ? { repositories: sink.repositories } : {}),
    secrets: sink.keys.length,
  };
}

/** Every sink as GET shows it, those `visible` lets the caller see (an admin of all it is about). */
export async function listEventSinkViews(
  deps: Deps,
  visible: (repositories: string[]) => boolean,
): Promise<EventSinkView[]> {
  const stored = (await readStored(deps)).filter((s) => !configured(deps, s.name));
  const views = [...deps.config.events.sinks.map(configuredView), ...stored.map((s) => storedView(s))];
  return views.filter((v) => visible(v.repositories ?? ['**/**']));
}

/** One sink as GET shows it. */
export async function getEventSinkView(deps: Deps, rawName: string): Promise<EventSinkView | undefined> {
  const name = sinkName(rawName);
  const fromConfig = configured(deps, name);
  if (fromConfig) return configuredView(fromConfig);
  const stored = await getStateJson<StoredSink>(deps.state, stateKeys.eventSink(name));
  return stored ? storedView(stored.value) : undefined;
}
