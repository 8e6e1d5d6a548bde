// StateStore over Durable Objects (Workers): one SQLite-backed object per key group, called by RPC.
// Grouping decides consistency and load: each job has an object of its own (its progress writes load no
// other), and the job index one more, written only when a job's state changes; uploads and tokens get one
// object per registry host, so one busy registry never queues behind another.

import {
  stateGroup,
  type StateEntry,
  type StateListOptions,
  type StateStore,
  type StateWriteOptions,
  type TokenExchanges,
} from './store.js';
import type { JobIndex, JobIndexPage, JobIndexQuery, JobIndexRow } from './job-index.js';
import { fromPlainAppError, type PlainAppError } from '../errors.js';

/** The RPC surface of the FerryState Durable Object (worker.ts): the StateStore methods, and the job index's. */
export type StateObjectLike = Omit<StateStore, 'jobIndex' | 'tokenExchanges'> & {
  indexJob(row: JobIndexRow, ttlSeconds: number): Promise<void>;
  listJobRows(query: JobIndexQuery): Promise<JobIndexPage>;
  exchangeToken(
    key: string,
    request: object,
    fresh: boolean,
  ): Promise<{ token: string; expiresAt: number } | { error: PlainAppError }>;
};

/** The object that holds the job index. Bounded by time: rows go a week after their job's last change. */
export const JOB_INDEX_OBJECT = 'job-index';

/** The part of a Durable Object namespace binding used here. */
export interface StateNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): StateObjectLike;
}

export class DurableObjectState implements StateStore {
  readonly #namespace: StateNamespaceLike;
  readonly jobIndex: JobIndex;
  /** The object of a token's key makes the exchange (adapters/cloudflare/ferry-state.ts). */
  readonly tokenExchanges: TokenExchanges = {
    exchange: async (key, request, fresh) => {
      const answer = await this.#object(key).exchangeToken(key, request, fresh);
      if ('error' in answer) throw fromPlainAppError(answer.error);
      return answer;
    },
  };

  /** `jobIndexObject`: the index's object by name (tests give each service one of its own). */
  constructor(namespace: StateNamespaceLike, jobIndexObject = JOB_INDEX_OBJECT) {
    this.#namespace = namespace;
    const index = () => namespace.get(namespace.idFromName(jobIndexObject));
    this.jobIndex = {
      put: (row, ttlSeconds) => index().indexJob(row, ttlSeconds),
      list: (query) => index().listJobRows(query),
    };
  }

  #object(key: string): StateObjectLike {
    return this.#namespace.get(this.#namespace.idFromName(stateGroup(key)));
  }

  get(key: string): Promise<StateEntry | null> {
    return this.#object(key).get(key);
  }

  create(key: string, value: string, options?: StateWriteOptions): Promise<boolean> {
    return this.#object(key).create(key, value, options);
  }

  update(key: string, version: number, value: string, options?: StateWriteOptions): Promise<boolean> {
    return this.#object(key).update(key, version, value, options);
  }

  delete(key: string): Promise<void> {
    return this.#object(key).delete(key);
  }

  list(prefix: string, options?: StateListOptions): Promise<{ entries: StateEntry[]; cursor?: string }> {
    return this.#object(prefix).list(prefix, options);
  }
}
