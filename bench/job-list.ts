// The job list over a big index (issue 30): GET /v1/jobs and the console's job list, answered from an index
// of BENCH_JOB_ROWS rows (1,000,000 unless told), on Node (SQLite) and on workerd (the job-index Durable
// Object), as `npm start` runs each. The rows are written straight into the store's SQLite file before the
// service starts (on workerd: the index object's own file, found after one real job made it), and the time
// that took is printed beside the list times.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startFerry, type Runtime } from '../test/support/ferry-process.js';
import { preparedRunner, SqlState } from '../src/state/sql.js';
import type { JobIndexRow } from '../src/state/job-index.js';

export interface JobListFigure {
  runtime: Runtime;
  rows: number;
  buildSeconds: number;
  query: string;
  medianMs: number;
  p95Ms: number;
  jobs: number;
}

const ROUNDS = 30;
const WEEK_MS = 7 * 24 * 3600_000;
const STATES = ['done', 'done', 'done', 'failed', 'running', 'queued', 'cancelled'];

/** The rows of a week of an organisation's jobs: 200 owners, a quarter of them promotions of 50 rules. */
function row(i: number, count: number, now: number): JobIndexRow {
  const created = new Date(now - WEEK_MS + Math.floor((i * WEEK_MS) / count)).toISOString();
  const promote = i % 4 === 0;
  return {
    id: `bench-${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
    owner: i % 200 === 0 ? 'key:viewer' : `key:team-${i % 200}`,
    kind: promote ? 'promote' : 'copy',
    state: STATES[i % STATES.length]!,
    ...(promote ? { rule: `rule-${i % 50}` } : {}),
    createdAt: created,
    updatedAt: created,
    detail: JSON.stringify({
      createdAt: created,
      updatedAt: created,
      repositories: [`registry.example/team-${i % 200}/app`],
      request: { source: 'registry.example/team/app:v1', target: 'registry.example/prod/app:v1' },
    }),
  };
}

/** Writes `count` rows into the job index of the SQLite file at `path`; returns the seconds it took. */
function fillIndex(path: string, count: number): number {
  const started = performance.now();
  const db = new Database(path);
  const store = new SqlState(preparedRunner(db));
  const now = Date.now();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) store.jobIndex.putNow(row(i, count, now), 7 * 24 * 3600);
  });
  for (let from = 0; from < count; from += 50_000) batch(from, Math.min(count, from + 50_000));
  db.close();
  return (performance.now() - started) / 1000;
}

/** The SQLite file (under `dir`) that holds a `ferry_jobs` table with rows: the job-index object's. */
function indexFile(dir: string): string {
  const files = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(d, e.name)) : e.name.endsWith('.sqlite') ? [join(d, e.name)] : [],
    );
  for (const file of files(dir)) {
    const db = new Database(file, { readonly: true });
    try {
      const table = db.prepare("SELECT name FROM sqlite_master WHERE name = 'ferry_jobs'").get();
      if (table && (db.prepare('SELECT COUNT(*) AS n FROM ferry_jobs').get() as { n: number }).n > 0) return file;
    } finally {
      db.close();
    }
  }
  throw new Error(`no job index under ${dir}`);
}

// A caller who administers nothing: its list reads its own rows only (the index by owner).
const VIEWER_KEY = 'bench-viewer-key';
const config = (registry: string) => ({
  registries: { [registry]: { insecure: true } },
  callers: {
    anonymous: true,
    apiKeys: [{ name: 'viewer', sha256: createHash('sha256').update(VIEWER_KEY).digest('hex') }],
    grants: [{ apiKey: 'viewer', actions: ['inspect', 'copy'], repositories: ['registry.example/team-0/*'] }],
  },
});

async function timeQuery(base: string, path: string, headers: Record<string, string> = {}) {
  const times: number[] = [];
  let jobs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const res = await fetch(`${base}${path}`, { headers });
    const text = await res.text();
    times.push(performance.now() - started);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
    jobs = path.startsWith('/v1/') ? (JSON.parse(text) as { jobs: unknown[] }).jobs.length : 50;
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(ROUNDS / 2)]!, p95Ms: times[Math.floor(ROUNDS * 0.95)]!, jobs };
}

/** The list queries measured: the first page, filters served by an index and one filtered beside it, a deep page. */
async function measure(runtime: Runtime, base: string, rows: number, buildSeconds: number) {
  const deep = (await (await fetch(`${base}/v1/jobs?limit=1`)).json()) as { cursor?: string };
  const middle = new Date(Date.now() - WEEK_MS / 2).toISOString();
  const paths = [
    '/v1/jobs',
    '/v1/jobs?state=failed',
    '/v1/jobs?rule=rule-8',
    '/v1/jobs?state=running&kind=promote',
    `/v1/jobs?cursor=${encodeURIComponent(`${middle}~ffffffff`)}`,
    '/console/jobs',
  ];
  if (!deep.cursor) throw new Error('the first page has no cursor: the index is empty');
  const figures: JobListFigure[] = [];
  for (const path of paths)
    figures.push({ runtime, rows, buildSeconds, query: path, ...(await timeQuery(base, path)) });
  const viewer = await timeQuery(base, '/v1/jobs', { authorization: `Bearer ${VIEWER_KEY}` });
  if (!viewer.jobs) throw new Error("the viewer's list is empty: its rows are not found by owner");
  figures.push({ runtime, rows, buildSeconds, query: '/v1/jobs (a caller who administers nothing)', ...viewer });
  return figures;
}

export async function benchJobList(dir: string, registry: string, runtimes: Runtime[]): Promise<JobListFigure[]> {
  const rows = Number(process.env.BENCH_JOB_ROWS ?? 1_000_000);
  const figures: JobListFigure[] = [];
  for (const runtime of runtimes) {
    const stateDir = join(dir, `job-list-${runtime}`);
    let buildSeconds: number;
    if (runtime === 'node') {
      // The Node entry's file (entries/node.ts), made before the service opens it.
      mkdirSync(stateDir, { recursive: true });
      buildSeconds = fillIndex(join(stateDir, 'kv.sqlite'), rows);
    } else {
      // The index object's file exists once a job was indexed: one real job, then the rows beside it.
      const first = await startFerry(config(registry), {}, stateDir, runtime);
      try {
        const res = await fetch(`${first.base}/v1/copy`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            source: `${registry}/bench/none:v1`,
            target: `${registry}/bench/none2:v1`,
            wait: false,
          }),
        });
        if (res.status !== 202) throw new Error(`the first job: ${res.status} ${await res.text()}`);
      } finally {
        await first.stop();
      }
      buildSeconds = fillIndex(indexFile(stateDir), rows);
    }
    const ferry = await startFerry(config(registry), {}, stateDir, runtime);
    try {
      figures.push(...(await measure(runtime, ferry.base, rows, buildSeconds)));
    } finally {
      await ferry.stop();
    }
  }
  return figures;
}
