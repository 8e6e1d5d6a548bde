// A configuration that lets nobody in is refused at start on the local runtimes (user-experience review v2,
// friction 1): giving FERRY_CONFIG drops the local default's anonymous callers, and a file with only
// `registries` used to start and answer every request 401 while saying API keys were accepted. The refusal
// says why and what to add. (A deployed worker without callers stays closed: that is its default.)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { runUntilExit, startFerry, type Runtime } from '../support/ferry-process.js';

it.each(['workerd', 'node'] as Runtime[])(
  '%s: a configuration without callers is refused at start, with the lines to add',
  async (runtime) => {
    const state = mkdtempSync(join(tmpdir(), `ferry-no-callers-${runtime}-`));
    try {
      const { code, output } = await runUntilExit(runtime, {
        FERRY_CONFIG: JSON.stringify({ registries: { '127.0.0.1:5000': { insecure: true } } }),
        PORT: String(await freePort()),
        FERRY_STATE_DIR: state,
      });
      expect(code, output).not.toBeNull();
      expect(code, output).not.toBe(0);
      expect(output).toContain('callers: no callers are configured');
      expect(output).toContain('"callers": {"anonymous": true}');
      expect(output).toContain('"apiKeys"');
      expect(output).not.toContain('ferry listening');
      expect(output).not.toContain('only configured API keys');
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  },
  120_000,
);

it('node: with API keys configured, start says how many callers may come in', async () => {
  const state = mkdtempSync(join(tmpdir(), 'ferry-callers-'));
  const key = { name: 'ci', sha256: 'a'.repeat(64) };
  const config = {
    registries: {},
    callers: { apiKeys: [key], grants: [{ apiKey: 'ci', actions: ['inspect'], repositories: ['ghcr.io/acme/**'] }] },
  };
  const ferry = await startFerry(config, {}, state, 'node');
  try {
    expect(ferry.output()).toContain('callers: 1 API key and 0 OIDC issuers, with 1 grant');
  } finally {
    await ferry.stop();
    rmSync(state, { recursive: true, force: true });
  }
}, 90_000);
