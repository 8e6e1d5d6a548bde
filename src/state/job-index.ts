// The job index: one small row per job with the columns jobs are listed by, newest first, a page at a time
// from a cursor (keyset pagination: a page costs the same on the millionth row as on the first). A job's
// record lives elsewhere (one Durable Object per job on Workers); its row is written when the job is created
// and each time its state changes, never for progress, so the index takes a few writes per job.

import { fnv1a } from '../encoding.js';

/** A job's row. `detail` is what a list shows beside the columns (a small JSON text the jobs wing owns). */
export interface JobIndexRow {
  id: string;
  owner: string;
  kind: string;
  state: string;
  rule?: string;
  parent?: string;
  createdAt: string;
  updatedAt: string;
  detail: string;
}

/** Rows with every column given, newest first, after `cursor` (the `cursor` of the page before). */
export interface JobIndexQuery {
  owner?: string;
  state?: string;
  kind?: string;
  rule?: string;
  parent?: string;
  cursor?: string;
  limit: number;
}

export interface JobIndexPage {
  rows: JobIndexRow[];
  /** Where the next page starts; absent on the last one. */
  cursor?: string;
}

export interface JobIndex {
  /**
   * Writes the job's row; the row is gone `ttlSeconds` later. A later put of the same job changes its state,
   * last change and detail (owner, kind, rule, parent and creation are the job's for good).
   */
  put(row: JobIndexRow, ttlSeconds: number): Promise<void>;
  list(query: JobIndexQuery): Promise<JobIndexPage>;
}

/**
 * Rows one list reads at most. A query served by one column's index and filtered on others may read rows it
 * does not return; it stops here and hands back a cursor, so no request reads without bound.
 */
export const JOB_INDEX_EXAMINED = 1000;

/**
 * A row's place in the order, newest first: its creation time, then a hash of its id (so the cursor, which
 * is a place, names no job). Two jobs created in the same millisecond with the same 32-bit hash would share
 * a place, and a page boundary between them would skip one: about one in four billion of such pairs.
 */
export const jobOrder = (row: Pick<JobIndexRow, 'createdAt' | 'id'>) => `${row.createdAt}~${fnv1a(row.id)}`;

/** Where a list starts when no cursor is given: after every place (places start with a digit). */
export const FIRST_PLACE = '~';

export type JobIndexColumn = 'parent' | 'rule' | 'owner' | 'state' | 'kind';

/**
 * The indexes every adapter keeps (each ordered by the row's place after its columns), in the order a query
 * picks them: the first whose columns the query all gives. The query's other columns filter what it reads.
 */
export const JOB_INDEXES: { name: string; columns: JobIndexColumn[] }[] = [
  { name: 'parent', columns: ['parent'] }, // a job's batches
  { name: 'rule', columns: ['rule'] }, // a promotion rule's jobs
  { name: 'owner_state', columns: ['owner', 'state'] }, // a caller's running (or failed) jobs
  { name: 'owner', columns: ['owner'] }, // a caller's jobs
  { name: 'state', columns: ['state'] }, // every running job (the sweep), every failed one
  { name: 'kind', columns: ['kind'] },
  { name: 'order', columns: [] }, // every job
];

/** The index a query reads, and the columns it filters on besides. */
export function chooseIndex(query: JobIndexQuery): {
  index: (typeof JOB_INDEXES)[number];
  filters: [JobIndexColumn, string][];
} {
  const index = JOB_INDEXES.find((i) => i.columns.every((c) => query[c] !== undefined))!;
  const given = (['parent', 'rule', 'owner', 'state', 'kind'] as const).filter((c) => query[c] !== undefined);
  return { index, filters: given.filter((c) => !index.columns.includes(c)).map((c) => [c, query[c]!]) };
}

/** True when `row` has every column the query gives. */
export const matchesQuery = (row: JobIndexRow, query: JobIndexQuery) =>
  (['parent', 'rule', 'owner', 'state', 'kind'] as const).every((c) => query[c] === undefined || row[c] === query[c]);
