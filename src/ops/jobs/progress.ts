// A job's progress as its record carries it: blobs and bytes done of the plan, and the blobs moving now
// with their bytes so far (the console's job page draws one bar per blob). Built from the copy's events.

import type { CopyEvent } from '../copy/index.js';

export interface ActiveBlob {
  blob: string;
  size: number;
  bytes: number;
}

export interface JobProgress {
  blobsDone: number;
  blobsTotal: number;
  bytesDone?: number;
  bytesTotal?: number;
  /** The blobs in flight (at most MAX_ACTIVE: the copy's concurrency is a few). */
  active?: ActiveBlob[];
  /** A job run in batches: how many of them ended. */
  batchesDone?: number;
  batchesTotal?: number;
}

// Bounds the record: the schema allows a concurrency of 64, a page shows no more than this.
const MAX_ACTIVE = 16;

export class ProgressTracker {
  readonly #active = new Map<string, ActiveBlob>();
  #blobsDone = 0;
  #blobsTotal = 0;
  #bytesDone = 0;
  #bytesTotal = 0;

  constructor(totals: { blobs: number; bytes: number } = { blobs: 0, bytes: 0 }) {
    this.#blobsTotal = totals.blobs;
    this.#bytesTotal = totals.bytes;
  }

  /** Takes one of the copy's events; true when the progress changed. */
  observe(event: CopyEvent): boolean {
    switch (event.type) {
      case 'plan':
        this.#blobsTotal += event.blobs;
        this.#bytesTotal += event.bytes;
        return true;
      case 'started':
        this.#active.set(event.blob, { blob: event.blob, size: event.size, bytes: 0 });
        return true;
      case 'progress': {
        const held = this.#active.get(event.blob);
        if (held) held.bytes = event.bytes;
        return held !== undefined;
      }
      case 'skipped':
      case 'mounted':
        this.#finish(event.blob, event.size);
        return true;
      case 'done':
        if (!('blob' in event)) return false;
        this.#finish(event.blob, event.size);
        return true;
      default:
        return false;
    }
  }

  #finish(blob: string, size: number): void {
    this.#active.delete(blob);
    this.#blobsDone += 1;
    this.#bytesDone += Math.max(0, size);
  }

  snapshot(): JobProgress {
    const active = [...this.#active.values()].slice(0, MAX_ACTIVE).map((a) => ({ ...a }));
    const moving = [...this.#active.values()].reduce((sum, a) => sum + a.bytes, 0);
    return {
      blobsDone: this.#blobsDone,
      blobsTotal: this.#blobsTotal,
      bytesDone: this.#bytesDone + moving,
      bytesTotal: this.#bytesTotal,
      active,
    };
  }
}
