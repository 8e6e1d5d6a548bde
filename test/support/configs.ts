// Ferry configurations for the test registries.

import type { AuthMode, Fixture, RegistryFixture } from './fixture.js';

/** A test registry's entry: plain http, its credentials, and the token server its realm names. */
export function registryEntry(r: RegistryFixture, overrides: Record<string, unknown> = {}) {
  return {
    insecure: true,
    ...(r.username ? { credentials: { username: r.username, password: r.password } } : {}),
    ...(r.authHosts ? { authHosts: r.authHosts } : {}),
    ...overrides,
  };
}

export function configFor(fixture: Fixture, mode: AuthMode, overrides: Record<string, unknown> = {}) {
  const r = fixture.registries[mode];
  return { registries: { [r.host]: registryEntry(r, overrides) } };
}

export const AUTH_MODES: AuthMode[] = ['anonymous', 'basic', 'token'];

/** Registries as Ferry's configuration names them for the tests: each on loopback, over plain http. */
export function localRegistries(...hosts: string[]): Record<string, { insecure: true }> {
  return Object.fromEntries(hosts.map((host) => [host, { insecure: true as const }]));
}
