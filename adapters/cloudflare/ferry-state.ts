// The FerryState Durable Object: the consistent state store on Workers (jobs, uploads, token single-flight).

// @ts-expect-error -- 'cloudflare:workers' exists only inside workerd; the root tsconfig has no Workers types.
import { DurableObject } from 'cloudflare:workers';
import { PURGE_BATCH, SqlState, type SqlRunner } from '../../src/state/sql.js';
import type { StateListOptions, StateWriteOptions } from '../../src/state/store.js';
import type { JobIndexQuery, JobIndexRow } from '../../src/state/job-index.js';
import { replaceState } from '../../src/state/store.js';
import { performTokenRequest } from '../../src/registry/token-exchange.js';
import type { IssuedToken, TokenRequest } from '../../src/registry/token-store.js';
import { realSleep } from '../../src/deps.js';
import { AppError, isAppError, plainAppError, type PlainAppError } from '../../src/errors.js';

// Expired rows are purged from the object's alarm, a batch at a time: a minute after the first of them
// expires, and at least hourly while any row will expire; at once again while full batches come out.
const PURGE_AFTER_MS = 60_000;
const PURGE_AT_LEAST_EVERY_MS = 3600_000;

/** The FerryState Durable Object: a StateStore over its own SQLite storage, called by RPC. */
export class FerryState extends (DurableObject as new (ctx: unknown, env: unknown) => object) {
  readonly #store: SqlState;
  readonly #storage: StorageLike;
  /** An alarm is known to be set (in memory only: a fresh instance asks the storage once). */
  #alarmSet = false;
  /** Rows read and written by this instance, as the platform bills them (indexes included). */
  readonly rows = { read: 0, written: 0 };
  /** Token exchanges in flight, by key: every caller of one key waits on the one. */
  readonly #exchanges = new Map<string, Promise<IssuedToken>>();

  readonly #transaction: (work: () => void) => void;

  constructor(ctx: { storage: StorageLike }, env: unknown) {
    super(ctx, env);
    this.#storage = ctx.storage;
    this.#transaction = (work) => ctx.storage.transactionSync(work);
    const sql = ctx.storage.sql;
    const runner: SqlRunner = {
      all: (query, ...params) => this.#counted(sql.exec(query, ...params)).toArray(),
      run: (query, ...params) => {
        this.#counted(sql.exec(query, ...params)).toArray();
        return Number(sql.exec('SELECT changes() AS n').one().n);
      },
    };
    this.#store = new SqlState(runner);
  }

  get(key: string) {
    return this.#store.get(key);
  }
  async create(key: string, value: string, options?: StateWriteOptions) {
    const created = await this.#store.create(key, value, options);
    if (created) await this.#purgeLater(options);
    return created;
  }
  async update(key: string, version: number, value: string, options?: StateWriteOptions) {
    const updated = await this.#store.update(key, version, value, options);
    if (updated) await this.#purgeLater(options);
    return updated;
  }
  delete(key: string) {
    return this.#store.delete(key);
  }
  list(prefix: string, options?: StateListOptions) {
    return this.#store.list(prefix, options);
  }

  /**
   * A registry token for `key` (this object holds one registry and credential's scopes): the one held while
   * valid, else from one exchange made here, which every caller asking meanwhile waits on (no polling).
   */
  async exchangeToken(
    key: string,
    request: TokenRequest,
    fresh: boolean,
  ): Promise<IssuedToken | { error: PlainAppError }> {
    try {
      return await this.#exchangeToken(key, request, fresh);
    } catch (error) {
      // RPC keeps an error's message only: the caller rebuilds the AppError (durable-objects.ts).
      return {
        error: plainAppError(isAppError(error) ? error : new AppError('INTERNAL', 'the token exchange failed')),
      };
    }
  }

  #exchangeToken(key: string, request: TokenRequest, fresh: boolean): Promise<IssuedToken> {
    const flying = this.#exchanges.get(key);
    if (flying) return flying;
    const held = fresh ? null : this.#store.getNow(key);
    if (held) {
      const token = JSON.parse(held.value) as Partial<IssuedToken>;
      if (typeof token.token === 'string' && typeof token.expiresAt === 'number' && token.expiresAt > Date.now())
        return Promise.resolve({ token: token.token, expiresAt: token.expiresAt });
    }
    const exchange = (async () => {
      const issued = await performTokenRequest(
        { fetch: (input, init) => fetch(input, init), sleep: realSleep, now: Date.now },
        request,
      );
      const ttlSeconds = Math.ceil((issued.expiresAt - Date.now()) / 1000);
      if (ttlSeconds > 0) await replaceState(this.#store, key, JSON.stringify(issued), { ttlSeconds });
      return issued;
    })().finally(() => this.#exchanges.delete(key));
    this.#exchanges.set(key, exchange);
    return exchange;
  }

  /** The job index (one object holds it: durable-objects.ts). */
  async indexJob(row: JobIndexRow, ttlSeconds: number) {
    this.#store.jobIndex.putNow(row, ttlSeconds);
    await this.#purgeLater({ ttlSeconds });
  }
  /** Many rows in one call: one transaction (the benchmark builds its million rows so). */
  async indexJobs(rows: JobIndexRow[], ttlSeconds: number) {
    this.#transaction(() => rows.forEach((row) => this.#store.jobIndex.putNow(row, ttlSeconds)));
    await this.#purgeLater({ ttlSeconds });
  }
  listJobRows(query: JobIndexQuery) {
    return this.#store.jobIndex.listNow(query);
  }

  /** Counts a statement's rows once it ran (the cursor's figures are final after toArray). */
  #counted(cursor: SqlCursorLike): SqlCursorLike {
    return {
      toArray: () => {
        const rows = cursor.toArray();
        this.rows.read += cursor.rowsRead;
        this.rows.written += cursor.rowsWritten;
        return rows;
      },
      one: () => cursor.one(),
      rowsRead: cursor.rowsRead,
      rowsWritten: cursor.rowsWritten,
    };
  }

  /** A row that will expire: make sure an alarm will purge it (one storage read per instance at most). */
  async #purgeLater(options: StateWriteOptions | undefined) {
    if (options?.ttlSeconds === undefined || this.#alarmSet) return;
    this.#alarmSet = true;
    if ((await this.#storage.getAlarm()) !== null) return;
    const due = Date.now() + options.ttlSeconds * 1000 + PURGE_AFTER_MS;
    await this.#storage.setAlarm(Math.min(due, Date.now() + PURGE_AT_LEAST_EVERY_MS));
  }

  async alarm() {
    const purged = this.#store.purgeExpired();
    const now = Date.now();
    const next = purged >= PURGE_BATCH ? now : this.#store.nextExpiry();
    this.#alarmSet = next !== null;
    if (next === null) return;
    const due = purged >= PURGE_BATCH ? now + 1000 : Math.max(next, now) + PURGE_AFTER_MS;
    await this.#storage.setAlarm(Math.min(due, now + PURGE_AT_LEAST_EVERY_MS));
  }
}

interface StorageLike {
  sql: SqlStorageLike;
  transactionSync(work: () => void): void;
  getAlarm(): Promise<number | null>;
  setAlarm(at: number): Promise<void>;
}

interface SqlCursorLike {
  toArray(): Record<string, unknown>[];
  one(): Record<string, unknown>;
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

interface SqlStorageLike {
  exec(query: string, ...params: unknown[]): SqlCursorLike;
}
