// schemathesis drives every operation of /openapi.json, on Node and on workerd, each run against an instance
// of its own (it sends PUT and DELETE), as a caller holding every grant over the test registries: no 500, no
// status the document does not list, every response (status, content type, headers, body) valid against
// the document, and no request past the request timeout. The examples per operation are bounded to fit CI;
// the seed is fixed, so a failure replays.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { requirePythonTool } from '../support/binaries.js';
import { localRegistries } from '../support/configs.js';
import { startFerry, type Runtime } from '../support/ferry-process.js';

const fixture = inject('fixture');
const KEY = 'openapi-fuzz-key';
const MAX_EXAMPLES = 25;
const REQUEST_TIMEOUT_SECONDS = 20;
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
];

describe.each(['node', 'workerd'] as Runtime[])('on %s', (runtime) => {
  it('every operation of /openapi.json, fuzzed: no 500, nothing the document does not say', async () => {
    const schemathesis = requirePythonTool('schemathesis');
    const source = fixture.registries.anonymous.host;
    const target = fixture.targets.anonymous.host;
    const state = mkdtempSync(join(tmpdir(), `ferry-fuzz-${runtime}-`));
    const ferry = await startFerry(
      {
        registries: localRegistries(source, target),
        callers: {
          apiKeys: [{ name: 'fuzz', sha256: (await computeDigest(new TextEncoder().encode(KEY))).slice(7) }],
          grants: [
            {
              apiKey: 'fuzz',
              actions: ['inspect', 'copy', 'promote', 'admin'],
              repositories: [`${source}/**`, `${target}/**`],
            },
          ],
        },
      },
      {},
      state,
      runtime,
    );
    try {
      const args = [
        'run',
        `${ferry.base}/openapi.json`,
        '--header',
        `Authorization: Bearer ${KEY}`,
        '--checks',
        CHECKS.join(','),
        '--max-examples',
        String(MAX_EXAMPLES),
        '--request-timeout',
        String(REQUEST_TIMEOUT_SECONDS),
        '--seed',
        '20261207',
        '--no-color',
      ];
      const run = await promisify(execFile)(schemathesis, args, { maxBuffer: 64 << 20, timeout: 280_000 }).catch(
        (error: { stdout?: string; stderr?: string; code?: number }) => error,
      );
      const out = `${run.stdout ?? ''}${run.stderr ?? ''}`;
      const generated = Number(/(\d+) generated/.exec(out)?.[1] ?? 0);
      const tested = Number(/Tested: (\d+)/.exec(out)?.[1] ?? 0);
      console.log(`schemathesis on ${runtime}: ${tested} operations, ${generated} test cases`);
      expect(out, out.slice(-6000)).toMatch(/\d+ generated, \d+ passed/);
      expect(out).not.toMatch(/\d+ failures?\b/);
      expect(tested).toBeGreaterThan(15);
    } finally {
      await ferry.stop();
      rmSync(state, { recursive: true, force: true });
    }
  }, 300_000);
});
