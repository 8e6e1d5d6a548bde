// The FerryState Durable Object: the consistent state store on Workers (jobs, uploads, token single-flight).

// @ts-expect-error -- 'cloudflare:workers' exists only inside workerd; the root tsconfig has no Workers types.
import { DurableObject } from 'cloudflare:workers';
import { SqlState, type SqlRunner } from '../../src/state/sql.js';
import type { StateListOptions, StateWriteOptions } from '../../src/state/store.js';

/** The FerryState Durable Object: a StateStore over its own SQLite storage, called by RPC. */
export class FerryState extends (DurableObject as new (ctx: unknown, env: unknown) => object) {
  readonly #store: SqlState;

  constructor(ctx: { storage: { sql: SqlStorageLike } }, env: unknown) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    const runner: SqlRunner = {
      all: (query, ...params) => sql.exec(query, ...params).toArray(),
      run: (query, ...params) => {
        sql.exec(query, ...params).toArray();
        return Number(sql.exec('SELECT changes() AS n').one().n);
      },
    };
    this.#store = new SqlState(runner);
  }

  get(key: string) {
    return this.#store.get(key);
  }
  create(key: string, value: string, options?: StateWriteOptions) {
    return this.#store.create(key, value, options);
  }
  update(key: string, version: number, value: string, options?: StateWriteOptions) {
    return this.#store.update(key, version, value, options);
  }
  delete(key: string) {
    return this.#store.delete(key);
  }
  list(prefix: string, options?: StateListOptions) {
    return this.#store.list(prefix, options);
  }
}

interface SqlStorageLike {
  exec(query: string, ...params: unknown[]): { toArray(): Record<string, unknown>[]; one(): Record<string, unknown> };
}
