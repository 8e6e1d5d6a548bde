// `ferry sync FILE [--dry-run]`: a sync set run once, as `skopeo sync` runs its YAML, in this process (the
// registries the set names, credentials where skopeo finds them) or against a Ferry service. The file is
// the set as the API takes it, with its name.

import type { Connection } from './connection.js';
import { Failure, json, type Output } from './api.js';
import { fromRegsync, fromSkopeo } from './sync-import.js';
import { UsageError, type Parsed } from './usage.js';

interface SetFile {
  name: string;
  sources?: { registry?: unknown }[];
  target?: { registry?: unknown };
  [key: string]: unknown;
}

/** The set in FILE: a JSON object with a name. */
export function readSyncSet(file: string, readFile: (path: string) => string): SetFile {
  let document: unknown;
  try {
    document = JSON.parse(readFile(file));
  } catch (error) {
    throw new UsageError(`sync: ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof document !== 'object' || document === null || typeof (document as SetFile).name !== 'string')
    throw new UsageError(`sync: ${file}: expected a sync set with a "name" (docs/sync-sets.md)`);
  return document as SetFile;
}

/** The registries a set reaches: its sources' and its target's. */
export function syncSetHosts(set: SetFile): string[] {
  const hosts = [...(set.sources ?? []).map((s) => s.registry), set.target?.registry];
  return [...new Set(hosts.filter((h): h is string => typeof h === 'string'))];
}

interface Step {
  tag: string;
  action: string;
  reason: string;
}
interface RepositoryPlan {
  source: string;
  target: string;
  steps: Step[];
  error?: { code: string; message: string };
}

/** `ferry sync import --from skopeo|regsync FILE`: the sets, as the configuration's `syncs`, on stdout. */
export function importSets(parsed: Parsed, output: Output, readFile: (path: string) => string): number {
  const file = parsed.positionals[1];
  if (!file) throw new UsageError('sync import: expected --from skopeo|regsync FILE');
  const v = parsed.values;
  const text = (() => {
    try {
      return readFile(file);
    } catch (error) {
      throw new UsageError(`sync import: ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  })();
  const name = (v.name as string | undefined) ?? 'imported';
  let imported;
  if (v.from === 'skopeo') {
    if (typeof v.target !== 'string')
      throw new UsageError(
        'sync import --from skopeo: --target registry[/prefix] (skopeo sync takes it as DESTINATION)',
      );
    imported = fromSkopeo(text, v.target, { scoped: v.scoped === true, name });
  } else if (v.from === 'regsync') imported = fromRegsync(text, { name });
  else throw new UsageError(`sync import: --from skopeo or --from regsync, not "${String(v.from ?? '')}"`);
  for (const note of imported.notes) output.err(`ferry: sync import: ${note}\n`);
  if (!imported.syncs.length) throw new Failure('NOTHING_IMPORTED', `${file} names no repository to sync`);
  output.out(`${JSON.stringify({ syncs: imported.syncs }, null, 2)}\n`);
  return 0;
}

export async function sync(
  connection: Connection,
  parsed: Parsed,
  output: Output,
  readFile: (path: string) => string,
): Promise<number> {
  if (parsed.positionals.length > 1) throw new UsageError('sync: expected FILE (or: sync import --from … FILE)');
  const set = readSyncSet(parsed.positionals[0]!, readFile);
  const { name, ...body } = set;
  const path = `/v1/syncs/${encodeURIComponent(name)}`;
  await json(connection, 'PUT', path, body);
  if (parsed.values['dry-run']) {
    const { plan } = await json(connection, 'POST', `${path}/runs`, { dryRun: true });
    if (output.style === 'json') output.out(`${JSON.stringify({ dryRun: true, plan })}\n`);
    else if (output.style !== 'quiet') for (const repository of plan.repositories) showPlan(repository, output);
    return plan.counts.failed ? 1 : 0;
  }
  const started = await json(connection, 'POST', `${path}/runs`, {});
  for (const id of started.run.jobs as string[]) await untilEnded(connection, id);
  const runs = (await json(connection, 'GET', `${path}/runs`)).runs as { id: string; counts: Counts }[];
  const run = runs.find((r) => r.id === started.run.id);
  if (!run) throw new Failure('NOT_FOUND', `the run ${started.run.id} is not in the set's history`);
  if (output.style === 'json') output.out(`${JSON.stringify(run)}\n`);
  else if (output.style !== 'quiet') {
    const c = run.counts;
    output.out(`${name}: ${c.copied} copied, ${c.skipped} up to date, ${c.pruned} pruned, ${c.failed} failed\n`);
  }
  if (!run.counts.failed) return 0;
  return run.counts.copied || run.counts.pruned ? 3 : 1;
}

interface Counts {
  copied: number;
  skipped: number;
  pruned: number;
  failed: number;
}

function showPlan(repository: RepositoryPlan, output: Output): void {
  output.out(`${repository.source} -> ${repository.target}\n`);
  if (repository.error) output.out(`  failed: ${repository.error.code}: ${repository.error.message}\n`);
  for (const step of repository.steps) output.out(`  ${step.action.padEnd(5)} ${step.tag} (${step.reason})\n`);
}

// A local run's jobs run in this process; a remote one's on the service. Either way the job says when it ends.
// Asking this process costs no request, so a local run looks often: a run of up-to-date repositories takes
// milliseconds a job.
async function untilEnded(connection: Connection, id: string): Promise<void> {
  const pause = connection.mode === 'local' ? 20 : 250;
  for (;;) {
    const job = await json(connection, 'GET', `/v1/jobs/${encodeURIComponent(id)}`);
    if (['done', 'failed', 'cancelled'].includes(job.state)) return;
    await new Promise((r) => setTimeout(r, pause));
  }
}
