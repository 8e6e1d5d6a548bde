// Each verb: the request it makes of Ferry's API (in process or remote) and how it shows the answer.

import { compilePattern, PatternError } from '../src/patterns.js';
import { parseReference, parseRepositoryName } from '../src/reference.js';
import type { Connection } from './connection.js';
import { encodePath, failed, Failure, json, withoutTransport, type Output } from './api.js';
import { CopyProgress, formatBytes, type Style } from './progress.js';
import { renderTemplate, skopeoFields } from './inspect-format.js';
import { booleanValue, UsageError, type Parsed } from './usage.js';
import { watchJob } from './remote-verbs.js';

export async function copy(connection: Connection, parsed: Parsed, output: Output): Promise<number> {
  const [source, target] = parsed.positionals.map(withoutTransport) as [string, string];
  const v = parsed.values;
  const platforms = (v.platform as string[] | undefined) ?? [];
  const extra = (v.tag as string[] | undefined) ?? [];
  if (v['all-tags'] && v.regex !== undefined)
    throw new UsageError('copy: --all-tags and --regex are two ways to choose tags: give one');
  if ((v['all-tags'] || v.regex !== undefined) && extra.length)
    throw new UsageError('copy: --tag adds tags to one image; a sync (--all-tags, --regex) copies each tag as it is');
  const tags = v['all-tags']
    ? 'all'
    : v.regex !== undefined
      ? { regex: v.regex as string }
      : extra.length
        ? extra
        : undefined;
  // One platform: its image itself, as crane and skopeo copy it (--unwrap, kept as a synonym); --keep-index: an
  // index of the chosen platforms, a digest of its own.
  if (v['keep-index'] && v.unwrap) throw new UsageError('copy: --keep-index and --unwrap ask for opposite things');
  if (v['keep-index'] && !platforms.length) throw new UsageError('copy: --keep-index keeps an index of --platform');
  const unwrap = platforms.length === 1 && !v['keep-index'];
  if (v.unwrap && platforms.length !== 1) throw new UsageError('copy: --unwrap takes exactly one --platform');
  const wait = booleanValue(v, 'wait', true);
  if (!wait && connection.mode === 'local')
    throw new UsageError('copy: --wait=false submits a job, which needs a Ferry service (--server or FERRY_URL)');
  const body = {
    source,
    target,
    ...(tags ? { tags } : {}),
    ...(platforms.length ? { platforms } : {}),
    ...(unwrap ? { unwrap: true } : {}),
    ...(v['verify-digest'] ? { verify: true } : {}),
    ...(v['no-clobber'] ? { noClobber: true } : {}),
    ...(wait ? {} : { wait: false }),
  };
  if (v['dry-run']) return dryRun(connection, body, output);
  if (!wait) {
    const job = await json(connection, 'POST', '/v1/copy', body);
    output.out(
      output.style === 'json'
        ? `${JSON.stringify(job)}\n`
        : `job ${job.id} ${job.state ?? 'queued'}: ferry jobs watch ${job.id}\n`,
    );
    return 0;
  }
  const response = await connection.request('POST', '/v1/copy', { body, accept: 'application/x-ndjson' });
  if (!response.ok) throw await failed(response);
  const progress = new CopyProgress(output.style, output.raw ?? output.out);
  const results: { target: string; digest: string; tags: string[]; indexDigestChanged?: boolean }[] = [];
  let handedTo: string | undefined;
  const sync = tags === 'all' || (typeof tags === 'object' && !Array.isArray(tags));
  try {
    for await (const event of ndjson(response)) {
      // A sync that copied some tags before one failed is partly done: exit 3, the copied ones listed.
      if (event.type === 'error')
        throw new Failure(
          String(event.code),
          `${event.message}${
            sync && results.length
              ? ` (${results.length} tag${results.length === 1 ? '' : 's'} ` +
                `copied before: ${results.flatMap((r) => r.tags).join(', ')})`
              : ''
          }`,
          sync && results.length ? 3 : 1,
        );
      if (event.type === 'done' && event.result) results.push(event.result as (typeof results)[number]);
      if (event.type === 'job') handedTo = String(event.id);
      progress.event(event);
    }
  } finally {
    progress.finish();
  }
  if (handedTo) return watchJob(connection, handedTo, output);
  if (!results.length) throw new Failure('INTERNAL', 'the copy ended without a result');
  if (output.style !== 'json' && output.style !== 'quiet')
    for (const r of results) {
      if (r.indexDigestChanged)
        output.out(`${r.target}@${r.digest}: a new index of the chosen platforms, a digest the source does not have\n`);
      output.out(`${r.target}@${r.digest}${r.tags.length ? ` tagged ${r.tags.join(', ')}` : ' (untagged)'}\n`);
    }
  return 0;
}

/**
 * What a copy would do, writing nothing: for one image, the service's dry run (it asks the target: the digest
 * written, each blob copied, mounted or there); for many tags, the tags a sync would take.
 */
async function dryRun(
  connection: Connection,
  body: { source: string; target: string; tags?: unknown; platforms?: string[]; unwrap?: boolean },
  output: Output,
): Promise<number> {
  if (body.tags === 'all' || (typeof body.tags === 'object' && !Array.isArray(body.tags))) {
    const repository = parseRepositoryName(body.source);
    const all = await listTags(connection, `${repository.registry}/${repository.repository}`);
    let chosen = all;
    if (body.tags !== 'all') {
      let pattern;
      try {
        pattern = compilePattern((body.tags as { regex: string }).regex);
      } catch (error) {
        throw new UsageError(`copy: --regex: ${error instanceof PatternError ? error.message : String(error)}`);
      }
      chosen = all.filter((t) => pattern.found(t)).sort();
    }
    if (!chosen.length)
      throw new Failure('NO_TAGS_MATCHED', `no tag of ${body.source} matches (${all.length} tags there)`);
    if (output.style === 'json')
      output.out(`${JSON.stringify({ dryRun: true, source: body.source, target: body.target, tags: chosen })}\n`);
    else
      output.out(
        `would copy ${chosen.length} tag${chosen.length === 1 ? '' : 's'} of ${body.source} to ${body.target}: ` +
          `${chosen.join(', ')}\n`,
      );
    return 0;
  }
  // One image: the service asks the target as the copy would (POST /v1/copy/dry-run).
  const dry = await json(connection, 'POST', '/v1/copy/dry-run', body);
  if (output.style === 'json') {
    output.out(`${JSON.stringify({ dryRun: true, ...dry })}\n`);
    return 0;
  }
  const platforms = dry.platforms?.length ? `, ${dry.platforms.join(', ')}` : '';
  if (dry.upToDate) {
    output.out(`up to date: ${dry.target} ${dry.tags.join(', ')} names ${dry.digest} already\n`);
    return 0;
  }
  const count = (action: string) => dry.blobs.filter((b: { action: string }) => b.action === action).length;
  output.out(
    `would copy ${dry.source} to ${dry.target}@${dry.digest}` +
      `${dry.indexDigestChanged ? ' (a new index of the chosen platforms)' : ''}${platforms}\n` +
      `  ${dry.manifests} manifest${dry.manifests === 1 ? '' : 's'}; blobs: ${count('copy')} to copy ` +
      `(${formatBytes(dry.bytes.copy)}), ${count('mount')} to mount (${formatBytes(dry.bytes.mount)}), ` +
      `${count('skip')} there already (${formatBytes(dry.bytes.skip)})\n`,
  );
  return 0;
}

async function* ndjson(response: Response): AsyncGenerator<Record<string, unknown> & { type: string }> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield JSON.parse(line);
    }
  }
  if (buffered.trim()) yield JSON.parse(buffered);
}

async function listTags(connection: Connection, repository: string): Promise<string[]> {
  const tags: string[] = [];
  let last: string | undefined;
  do {
    const query = new URLSearchParams({ n: '1000', ...(last ? { last } : {}) });
    const page: { tags: string[]; next?: string } = await json(
      connection,
      'GET',
      `/v1/tags/${encodePath(repository)}?${query}`,
    );
    tags.push(...page.tags);
    last = page.next && page.next !== last ? page.next : undefined;
  } while (last);
  return tags;
}

export async function tags(connection: Connection, parsed: Parsed, output: Output): Promise<number> {
  const name = parseRepositoryName(withoutTransport(parsed.positionals[0]!));
  const all = await listTags(connection, `${name.registry}/${name.repository}`);
  output.out(
    output.style === 'json'
      ? `${JSON.stringify({ repository: `${name.registry}/${name.repository}`, tags: all })}\n`
      : all.map((t) => `${t}\n`).join(''),
  );
  return 0;
}

export async function inspect(connection: Connection, parsed: Parsed, output: Output): Promise<number> {
  const reference = withoutTransport(parsed.positionals[0]!);
  parseReference(reference);
  const v = parsed.values;
  const format = (v.format as string | undefined) ?? (output.style === 'json' ? 'json' : 'table');
  const template = format.includes('{{');
  if (format !== 'table' && format !== 'json' && !template)
    throw new UsageError(`inspect: --format: expected table, json or a template ({{.Digest}}), got "${format}"`);
  const platform = v.platform ? `?platform=${encodeURIComponent(v.platform as string)}` : '';
  if (v.raw) {
    const response = await connection.request('GET', `/v1/manifest/${encodePath(reference)}${platform}`, {
      accept: '*/*',
    });
    if (!response.ok) throw await failed(response);
    output.out(new TextDecoder().decode(await response.arrayBuffer()));
    return 0;
  }
  const image = await json(connection, 'GET', `/v1/inspect/${encodePath(reference)}${platform}`);
  if (v['show-config']) {
    output.out(`${JSON.stringify(image.config ?? null, null, 2)}\n`);
    return 0;
  }
  if (format === 'json') {
    output.out(`${JSON.stringify(image, null, 2)}\n`);
    return 0;
  }
  if (template) {
    output.out(`${renderTemplate(format, skopeoFields(image))}\n`);
    return 0;
  }
  const lines = [`Reference  ${image.reference}`, `Digest     ${image.digest}`, `MediaType  ${image.mediaType}`];
  if (image.platform) lines.push(`Platform   ${image.platform}`);
  // What skopeo inspect shows of an image's config.
  const config = image.config;
  if (config?.created) lines.push(`Created    ${config.created}`);
  if (config?.entrypoint?.length) lines.push(`Entrypoint ${JSON.stringify(config.entrypoint)}`);
  if (config?.cmd?.length) lines.push(`Cmd        ${JSON.stringify(config.cmd)}`);
  for (const env of config?.env ?? []) lines.push(`Env        ${env}`);
  for (const [k, val] of Object.entries(config?.labels ?? {})) lines.push(`Label      ${k}=${String(val)}`);
  if (image.manifests) {
    lines.push(
      '',
      'PLATFORM              DIGEST                                                                   SIZE',
    );
    for (const m of image.manifests)
      lines.push(`${String(m.platform ?? m.artifactType ?? '-').padEnd(22)}${m.digest}  ${formatBytes(m.size)}`);
  }
  if (image.layers) {
    lines.push('', 'LAYER                                                                    SIZE');
    for (const l of image.layers) lines.push(`${l.digest}  ${formatBytes(l.size)}`);
    lines.push(`Total ${formatBytes(image.totalSize ?? 0)}`);
  }
  output.out(`${lines.join('\n')}\n`);
  return 0;
}

export async function diff(connection: Connection, parsed: Parsed, output: Output): Promise<number> {
  const [from, to] = parsed.positionals.map(withoutTransport) as [string, string];
  const result = await json(connection, 'GET', `/v1/diff/${encodePath(from)}?${new URLSearchParams({ to })}`);
  if (output.style === 'json') {
    output.out(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const lines = [`from ${result.from.reference}`, `to   ${result.to.reference}`];
  if (result.identical) lines.push('identical');
  for (const p of result.platforms.added) lines.push(`+ platform ${p}`);
  for (const p of result.platforms.removed) lines.push(`- platform ${p}`);
  for (const image of result.images) {
    const l = image.layers;
    lines.push(
      '',
      `${image.platform}: ${l.shared.length} layers shared (${formatBytes(l.sharedBytes)}), ${l.added.length} added ` +
        `(${formatBytes(l.addedBytes)}), ${l.removed.length} removed (${formatBytes(l.removedBytes)})`,
    );
    for (const layer of l.added) lines.push(`  + ${layer.digest}  ${formatBytes(layer.size)}`);
    for (const layer of l.removed) lines.push(`  - ${layer.digest}  ${formatBytes(layer.size)}`);
    const c = image.config;
    for (const e of c.env.added) lines.push(`  + env ${e}`);
    for (const e of c.env.removed) lines.push(`  - env ${e}`);
    for (const [k, v] of Object.entries(c.labels.added)) lines.push(`  + label ${k}=${v}`);
    for (const [k, v] of Object.entries(c.labels.removed)) lines.push(`  - label ${k}=${v}`);
    for (const [k, v] of Object.entries(c.labels.changed) as [string, { from: string; to: string }][])
      lines.push(`  ~ label ${k}: ${v.from} -> ${v.to}`);
    for (const p of c.exposedPorts.added) lines.push(`  + port ${p}`);
    for (const p of c.exposedPorts.removed) lines.push(`  - port ${p}`);
    for (const field of ['entrypoint', 'cmd', 'workingDir'] as const)
      if (c[field]) lines.push(`  ~ ${field}: ${JSON.stringify(c[field].from)} -> ${JSON.stringify(c[field].to)}`);
  }
  output.out(`${lines.join('\n')}\n`);
  return 0;
}
