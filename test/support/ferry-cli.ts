// The `ferry` executable (dist/cli/ferry.cjs, the package's bin) run as a user runs it: a clean environment
// with its own HOME, so no credentials or configuration of the machine leak in.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FERRY_BIN = fileURLToPath(new URL('../../dist/cli/ferry.cjs', import.meta.url));

export interface FerryRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runFerry(
  args: string[],
  options: { home: string; env?: Record<string, string>; input?: string },
): Promise<FerryRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [FERRY_BIN, ...args],
      { env: { PATH: process.env.PATH!, HOME: options.home, ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}
