// Signature verification on Deno and Bun too (Node and workerd: the vitest projects): the same
// sigstore-conformance cases and real-tool artefacts, run by test/support/signatures-runner.ts on each.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { CaseResult } from '../support/sigstore-cases.js';

const run = promisify(execFile);

it.each([
  ['bun', 'node_modules/.bin/bun', ['run', 'test/support/signatures-runner.ts']],
  ['deno', 'node_modules/.bin/deno', ['run', '--quiet', '--sloppy-imports', '-A', 'test/support/signatures-runner.ts']],
] as const)(
  '%s verifies every conformance case and the real-tool artefacts as expected',
  async (_name, command, args) => {
    const { stdout } = await run(command, [...args], { maxBuffer: 16 * 1024 * 1024 });
    const results = JSON.parse(stdout.trim().split('\n').pop()!) as CaseResult[];
    expect(results.length).toBeGreaterThanOrEqual(72);
    expect(results.filter((r) => r.ok === r.name.endsWith('_fail'))).toEqual([]);
  },
  120_000,
);
