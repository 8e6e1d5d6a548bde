// StateStore over Durable Objects (Workers): one SQLite-backed object per key group, called by RPC.
// Grouping decides consistency and load: all jobs share one object (listing by state, kind, rule or
// repository needs one place, and a job writes at most once a second); uploads and tokens get one object
// per registry host, so one busy registry never queues behind another.

import {
  stateGroup,
  type StateEntry,
  type StateListOptions,
  type StateStore,
  type StateWriteOptions,
} from './store.js';

/** The RPC surface of the FerryState Durable Object (worker.ts): the StateStore methods themselves. */
export type StateObjectLike = StateStore;

/** The part of a Durable Object namespace binding used here. */
export interface StateNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): StateObjectLike;
}

export class DurableObjectState implements StateStore {
  readonly #namespace: StateNamespaceLike;

  constructor(namespace: StateNamespaceLike) {
    this.#namespace = namespace;
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
