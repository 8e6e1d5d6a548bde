// The job index over Deno KV: a row under its id, and one entry per index (job-index.ts) under the index's
// columns and the row's place, each holding the row, so a page is one reverse range read. A put replaces
// the old entries and the new ones in one atomic operation checked against the row it read.

import {
  chooseIndex,
  JOB_INDEX_EXAMINED,
  JOB_INDEXES,
  jobOrder,
  matchesQuery,
  type JobIndex,
  type JobIndexPage,
  type JobIndexQuery,
  type JobIndexRow,
} from './job-index.js';
import type { DenoKey, DenoStateKvLike } from './deno-kv.js';

interface Held {
  row: JobIndexRow;
  expiresAt: number;
}

const ROOT = 'ferry-jobs';

/** The key of a row's entry in one index. */
const entryKey = (index: (typeof JOB_INDEXES)[number], row: JobIndexRow): DenoKey => [
  ROOT,
  index.name,
  ...index.columns.map((c) => row[c] ?? ''),
  jobOrder(row),
  row.id,
];

export class DenoJobIndex implements JobIndex {
  readonly #kv: DenoStateKvLike;
  readonly #now: () => number;

  constructor(kv: DenoStateKvLike, now: () => number = Date.now) {
    this.#kv = kv;
    this.#now = now;
  }

  async put(row: JobIndexRow, ttlSeconds: number): Promise<void> {
    const held: Held = { row, expiresAt: this.#now() + ttlSeconds * 1000 };
    const options = { expireIn: ttlSeconds * 1000 };
    for (;;) {
      const read = await this.#kv.get([ROOT, 'row', row.id]);
      const old = (read.value as Held | null)?.row;
      let write = this.#kv.atomic().check({ key: [ROOT, 'row', row.id], versionstamp: read.versionstamp });
      // Only indexes whose entry for this row exists; the ones without its columns (a parent) hold none.
      for (const index of JOB_INDEXES) {
        if (old && index.columns.every((c) => old[c] !== undefined)) write = write.delete(entryKey(index, old));
        if (index.columns.every((c) => row[c] !== undefined)) write = write.set(entryKey(index, row), held, options);
      }
      if ((await write.set([ROOT, 'row', row.id], held, options).commit()).ok) return;
    }
  }

  async list(query: JobIndexQuery): Promise<JobIndexPage> {
    const { index } = chooseIndex(query);
    const prefix = [ROOT, index.name, ...index.columns.map((c) => query[c]!)];
    const now = this.#now();
    const rows: JobIndexRow[] = [];
    let examined = 0;
    let place: string | undefined;
    const selector = query.cursor === undefined ? { prefix } : { prefix, end: [...prefix, query.cursor] };
    for await (const entry of this.#kv.list(selector, { reverse: true, limit: JOB_INDEX_EXAMINED })) {
      const held = entry.value as Held;
      examined++;
      place = String(entry.key[entry.key.length - 2]);
      if (held.expiresAt <= now || !matchesQuery(held.row, query)) continue;
      if (rows.length === query.limit) return { rows, cursor: jobOrder(rows[rows.length - 1]!) };
      rows.push(held.row);
    }
    return examined === JOB_INDEX_EXAMINED ? { rows, cursor: place! } : { rows };
  }
}
