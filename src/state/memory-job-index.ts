// The job index in memory: tests, and a single process with nothing persistent (the CLI's local copies).
// It keeps the contract of the others (order, filters, cursors) by sorting what it holds on each list.

import {
  FIRST_PLACE,
  jobOrder,
  matchesQuery,
  type JobIndex,
  type JobIndexPage,
  type JobIndexQuery,
  type JobIndexRow,
} from './job-index.js';

export class MemoryJobIndex implements JobIndex {
  readonly #rows = new Map<string, { row: JobIndexRow; place: string; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async put(row: JobIndexRow, ttlSeconds: number): Promise<void> {
    this.#rows.set(row.id, { row: { ...row }, place: jobOrder(row), expiresAt: this.#now() + ttlSeconds * 1000 });
  }

  async list(query: JobIndexQuery): Promise<JobIndexPage> {
    const now = this.#now();
    const from = query.cursor ?? FIRST_PLACE;
    const held = [...this.#rows.values()]
      .filter((h) => h.expiresAt > now && h.place < from && matchesQuery(h.row, query))
      .sort((a, b) => (a.place < b.place ? 1 : a.place > b.place ? -1 : 0));
    const rows = held.slice(0, query.limit).map((h) => ({ ...h.row }));
    return held.length > query.limit ? { rows, cursor: held[query.limit - 1]!.place } : { rows };
  }
}
