// The workerd project's setup: after each test, no platform rule was broken unless the test took the
// violations it expected (platform.violations.splice(0)).

import { afterEach, expect } from 'vitest';
import { takeWatchedPlatforms } from './strict-watch.js';

afterEach(async () => {
  for (const platform of takeWatchedPlatforms()) {
    await platform.settle();
    expect(platform.violations, 'hosted Workers rules broken (strict-platform mode)').toEqual([]);
  }
});
