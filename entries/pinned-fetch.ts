// The fetch of the Deno and Bun entries.

import type { FetchLike } from '../src/deps.js';

/** Deno's fetch. */
export const denoFetch: FetchLike = (input, init) => fetch(input, init);

/** Bun's fetch. */
export const bunFetch: FetchLike = (input, init) => fetch(input, init);
