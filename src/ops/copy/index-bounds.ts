// Bounds on index trees a registry hands us: how many children one index lists and how deep indexes nest.
// A hostile 4 MiB index lists ~28,000 children; a chain of indexes can be thousands deep. Real images are
// far inside both caps (limits.indexChildren, limits.indexDepth).

import type { Limits } from '../../config/parse.js';
import { AppError } from '../../errors.js';

/** `level`: 1 for the top index, 2 for an index inside it, ... */
export function checkIndexBounds(limits: Limits, children: number, level: number): void {
  if (level > limits.indexDepth) {
    throw new AppError('LIMIT_EXCEEDED', `indexes nest deeper than limits.indexDepth (${limits.indexDepth})`, {
      details: { limit: 'limits.indexDepth', value: limits.indexDepth },
    });
  }
  if (children > limits.indexChildren) {
    throw new AppError(
      'LIMIT_EXCEEDED',
      `an index lists ${children} manifests, more than limits.indexChildren (${limits.indexChildren})`,
      {
        details: { limit: 'limits.indexChildren', value: limits.indexChildren },
      },
    );
  }
}
