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

/** Registries as Ferry's configuration names them for the tests: each on loopback, over plain http. */
export function localRegistries(...hosts: string[]): Record<string, { insecure: true }> {
  return Object.fromEntries(hosts.map((host) => [host, { insecure: true as const }]));
}
