// Ferry configurations for the test registries.

import type { AuthMode, Fixture } from './fixture.js';

export function configFor(fixture: Fixture, mode: AuthMode, overrides: Record<string, unknown> = {}) {
  const r = fixture.registries[mode];
  return {
    registries: {
      [r.host]: {
        insecure: true,
        ...(r.username ? { credentials: { username: r.username, password: r.password } } : {}),
        ...overrides,
      },
    },
  };
}

export const AUTH_MODES: AuthMode[] = ['anonymous', 'basic', 'token'];
