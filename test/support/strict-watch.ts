// Strict-platform mode checks every platform a test made: a rule broken where the test did not mean to
// (its violations left unread) fails that test. Registered by strict-setup.ts (the workerd project).

import type { StrictPlatform } from './strict-platform.js';

const made: StrictPlatform[] = [];

export function watchPlatform(platform: StrictPlatform): StrictPlatform {
  made.push(platform);
  return platform;
}

/** The platforms made since the last call, which it forgets. */
export function takeWatchedPlatforms(): StrictPlatform[] {
  return made.splice(0);
}
