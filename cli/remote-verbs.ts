// The verbs that need a Ferry service: promote, jobs and rules. Text a person reads by default, the
// service's JSON with --json, nothing but errors with -q.

import type { Connection } from './connection.js';
import { Failure, json, withoutTransport, type Output } from './api.js';
import { formatBytes } from './progress.js';
import { UsageError, type Parsed } from './usage.js';

/** Prints `text()` unless quiet, or the document as JSON. */
function show(output: Output, document: unknown, text: () => string): void {
  if (output.style === 'json') output.out(`${JSON.stringify(document)}\n`);
  else if (output.style !== 'quiet') output.out(text());
}

/** Rows under a header, each column as wide as its widest cell (the last one free). */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ') + '\n';
  return line(header) + rows.map(line).join('');
}

interface Step {
  target: string;
  tag: string;
  action: string;
  current?: string;
  backupTag?: string;
  reason?: string;
}

function stepLine(s: Step): string {
  const was =
    s.action === 'move' && s.current ? ` (was ${s.current}${s.backupTag ? `, kept as ${s.backupTag}` : ''})` : '';
  return `  ${s.action} ${s.target}:${s.tag}${was}${s.reason ? `: ${s.reason}` : ''}\n`;
}

export async function promote(connection: Connection, parsed: Parsed, output: Output): Promise<number> {
  const rule = parsed.values.rule as string | undefined;
  if (!rule) throw new UsageError('promote: --rule NAME is required');
  const source = withoutTransport(parsed.positionals[0]!);
  const dryRun = parsed.values['dry-run'] === true;
  const result = await json(connection, 'POST', '/v1/promote', { source, rule, dryRun });
  const plan = result.plan as { source: string; steps: Step[] };
  show(output, result, () => {
    const lines = plan.steps.map(stepLine).join('');
    return `${dryRun ? 'would promote' : 'promoted'} ${plan.source} by rule ${rule}\n${lines}`;
  });
  return 0;
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);

/** What a job copies or promotes, in a few words: "source -> target" or "source by rule NAME". */
function whatItDoes(job: any): string {
  if (job.kind === 'promote') return `${job.promotion?.source} by rule ${job.promotion?.rule}`;
  return `${job.request?.source} -> ${job.request?.target}`;
}

/** The images a finished copy job wrote, as a local copy prints them. */
function resultLines(job: any): string[] {
  const result = job.result;
  const results = result?.results ?? (result?.digest ? [result] : []);
  return results.map(
    (r: { target: string; digest: string; tags: string[] }) =>
      `${r.target}@${r.digest}${r.tags?.length ? ` tagged ${r.tags.join(', ')}` : ' (untagged)'}`,
  );
}

function progressText(job: any, seconds: number): string {
  const p = job.progress ?? {};
  const bytes = Number(p.bytesDone ?? 0);
  const rate = seconds > 0 ? `, ${formatBytes(Math.round(bytes / seconds))}/s` : '';
  const total = p.bytesTotal ? ` / ${formatBytes(p.bytesTotal)}` : '';
  return (
    `${p.blobsDone ?? 0}/${p.blobsTotal ?? 0} blobs, ${formatBytes(bytes)}${total}` +
    (FINISHED.has(job.state) ? ` in ${seconds.toFixed(1)}s` : rate)
  );
}

/** Follows a job until it ends: a line each time its progress changes, then what it wrote. */
export async function watchJob(connection: Connection, id: string, output: Output): Promise<number> {
  let last = '';
  for (;;) {
    const job = await json(connection, 'GET', `/v1/jobs/${encodeURIComponent(id)}`);
    const seconds = (Date.parse(job.updatedAt) - Date.parse(job.createdAt)) / 1000;
    const line = `job ${job.id} ${job.state}${FINISHED.has(job.state) ? ':' : ''} ${progressText(job, seconds)}`;
    if (line !== last) show(output, job, () => `${line}\n`);
    last = line;
    if (FINISHED.has(job.state)) {
      if (job.state !== 'done')
        throw new Failure(job.error?.code ?? job.state.toUpperCase(), job.error?.message ?? `job ${job.state}`);
      if (output.style !== 'json' && output.style !== 'quiet')
        for (const written of resultLines(job)) output.out(`${written}\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function jobText(job: any): string {
  const lines = [
    `ID        ${job.id}`,
    `Kind      ${job.kind}`,
    `State     ${job.state}`,
    `Created   ${job.createdAt}`,
    `What      ${whatItDoes(job)}`,
    `Progress  ${progressText(job, (Date.parse(job.updatedAt) - Date.parse(job.createdAt)) / 1000)}`,
    ...resultLines(job).map((r) => `Result    ${r}`),
    ...(job.error ? [`Error     ${job.error.code}: ${job.error.message}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export async function jobs(connection: Connection, parsed: Parsed, output: Output): Promise<number> {
  const [action = 'ls', id] = parsed.positionals;
  if (action !== 'ls' && !id) throw new UsageError(`jobs ${action}: expected a job id`);
  const path = `/v1/jobs/${encodeURIComponent(id ?? '')}`;
  if (action === 'ls') {
    const listed = await json(connection, 'GET', '/v1/jobs');
    show(output, listed, () =>
      listed.jobs.length
        ? table(
            ['ID', 'KIND', 'STATE', 'CREATED', 'WHAT'],
            listed.jobs.map((j: any) => [j.id, j.kind, j.state, j.createdAt, whatItDoes(j)]),
          )
        : 'no jobs yet: ferry copy … --wait=false starts one\n',
    );
  } else if (action === 'get' || action === 'show') {
    const job = await json(connection, 'GET', path);
    show(output, job, () => jobText(job));
  } else if (action === 'watch') return watchJob(connection, id!, output);
  else if (action === 'cancel') {
    const job = await json(connection, 'DELETE', path);
    show(output, job, () => `job ${id} ${job?.state ?? 'cancelled'}\n`);
  } else throw new UsageError(`jobs: unknown action "${action}": expected ls, get (or show), watch or cancel`);
  return 0;
}

interface Rule {
  name: string;
  source: { repository: string };
  targets: { repository: string }[];
}

export async function rules(
  connection: Connection,
  parsed: Parsed,
  output: Output,
  readFile: (path: string) => string,
): Promise<number> {
  const [action = 'ls', name, file] = parsed.positionals;
  if (action !== 'ls' && !name) throw new UsageError(`rules ${action}: expected a rule name`);
  const path = `/v1/rules/${encodeURIComponent(name ?? '')}`;
  if (action === 'ls') {
    const listed = await json(connection, 'GET', '/v1/rules');
    show(output, listed, () =>
      listed.rules.length
        ? table(
            ['NAME', 'SOURCE', 'TARGETS'],
            (listed.rules as Rule[]).map((r) => [
              r.name,
              r.source.repository,
              r.targets.map((t) => t.repository).join(', '),
            ]),
          )
        : 'no rules yet: ferry rules put NAME FILE stores one\n',
    );
  } else if (action === 'get') {
    const all = (await json(connection, 'GET', '/v1/rules')).rules as Rule[];
    const rule = all.find((r) => r.name === name);
    if (!rule) throw new Failure('NOT_FOUND', `no rule named "${name}"`);
    // The rule as `rules put` takes it: the text of it is the document itself.
    show(output, rule, () => `${JSON.stringify(rule, null, 2)}\n`);
  } else if (action === 'put') {
    if (!file) throw new UsageError('rules put: expected NAME FILE');
    let body: unknown;
    try {
      body = JSON.parse(readFile(file));
    } catch (error) {
      throw new UsageError(`rules put: ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const stored = await json(connection, 'PUT', path, body);
    show(output, stored, () => `rule ${name} stored\n`);
  } else if (action === 'rm') {
    await json(connection, 'DELETE', path);
    show(output, { name, removed: true }, () => `rule ${name} removed\n`);
  } else throw new UsageError(`rules: unknown action "${action}": expected ls, get, put or rm`);
  return 0;
}
