// `ferry copy` with an air-gap end: each such end is served on the loopback interface for the length of the
// command, the copy runs as any copy does, and names shown to the user are the ones they typed.

import { json, type Output } from '../api.js';
import type { Connection } from '../connection.js';
import { UsageError, type Parsed } from '../usage.js';
import { describe, openSource, openTarget, parseAirGap, type OpenedEnd } from './transports.js';
import { LOOPBACK_REPOSITORY } from './loopback-registry.js';

/** Whether a copy names an oci:, oci-archive: or docker-archive: end. */
export const namesAirGap = (parsed: Parsed) =>
  parsed.verb.name === 'copy' && parsed.positionals.some((p) => parseAirGap(p) !== undefined);

/** The user's words in place of the loopback registry's, in everything printed. */
function shown(output: Output, ends: OpenedEnd[]): Output {
  const swap = (text: string) => {
    for (const end of ends) {
      const loopback = `${end.registry.host}/${LOOPBACK_REPOSITORY}`;
      // A docker archive keeps no manifest: the digest the copy wrote names nothing there (its note says what does).
      if (end.spec.kind === 'docker-archive' && text.startsWith(`${loopback}@`)) return '';
      const name = describe(end.spec);
      text = text.split(loopback).join(output.style === 'json' ? JSON.stringify(name).slice(1, -1) : name);
    }
    return text;
  };
  return {
    style: output.style,
    out: (t) => {
      const text = swap(t);
      if (text) output.out(text);
    },
    err: (t) => output.err(swap(t)),
    ...(output.raw ? { raw: (t: string) => output.raw!(swap(t)) } : {}),
  };
}

/** A docker archive holds one image: a source with several platforms needs --platform, said before any byte. */
async function onePlatform(connection: Connection, parsed: Parsed, source: string): Promise<void> {
  const platforms = (parsed.values.platform as string[] | undefined) ?? [];
  if (platforms.length === 1) return;
  if (platforms.length > 1 || parsed.values['keep-index'])
    throw new UsageError('copy: a docker-archive holds one platform: give one --platform');
  const image = await json(connection, 'GET', `/v1/inspect/${source.split('/').map(encodeURIComponent).join('/')}`);
  if (image.manifests)
    throw new UsageError(
      `copy: a docker-archive holds one platform, and the source has ` +
        `${image.manifests.map((m: { platform?: string }) => m.platform ?? '?').join(', ')}: give --platform`,
    );
}

export async function copyAirGap(
  parsed: Parsed,
  output: Output,
  remote: boolean,
  connect: (parsed: Parsed) => Connection,
  copy: (connection: Connection, parsed: Parsed, output: Output) => Promise<number>,
): Promise<number> {
  if (remote)
    throw new UsageError(
      'copy: oci:, oci-archive: and docker-archive: are files on this machine: copy them in local mode ' +
        '(without --server or FERRY_URL), then push from there',
    );
  const [sourceSpec, targetSpec] = parsed.positionals.map(parseAirGap);
  const v = parsed.values;
  const wholeRepository = Boolean(v['all-tags']) || v.regex !== undefined;
  if (wholeRepository && (sourceSpec?.kind === 'docker-archive' || targetSpec?.kind === 'docker-archive'))
    throw new UsageError('copy: a docker-archive holds one image: --all-tags and --regex copy many');
  const ends: OpenedEnd[] = [];
  /** Ends not completed: abandoned when the command ends. */
  const pending: OpenedEnd[] = [];
  try {
    const opened = (end: OpenedEnd) => (ends.push(end), pending.push(end), end);
    const source = sourceSpec ? opened(await openSource(sourceSpec, wholeRepository)) : undefined;
    const target = targetSpec ? opened(await openTarget(targetSpec, wholeRepository)) : undefined;
    // The loopback registries' own credentials; the user's flags still apply to the other end.
    const values = {
      ...v,
      ...(source ? { 'src-creds': source.registry.creds, 'src-authfile': undefined } : {}),
      ...(target ? { 'dest-creds': target.registry.creds, 'dest-authfile': undefined } : {}),
    };
    const positionals = [source?.reference ?? parsed.positionals[0]!, target?.reference ?? parsed.positionals[1]!];
    const through: Parsed = { ...parsed, values, positionals };
    const connection = connect(through);
    if (targetSpec?.kind === 'docker-archive') await onePlatform(connection, parsed, positionals[0]!);
    const view = shown(output, ends);
    const code = await copy(connection, through, view);
    if (code !== 0 || v['dry-run']) return code;
    for (const end of ends) {
      pending.splice(pending.indexOf(end), 1);
      const note = await end.complete();
      if (note && output.style !== 'json' && output.style !== 'quiet') output.out(`${note}\n`);
    }
    return code;
  } finally {
    for (const end of pending) await end.abandon().catch(() => undefined);
  }
}
