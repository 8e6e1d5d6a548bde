// `ferry config check FILE [--env]` (and `npm run config:check -- FILE`): a configuration file checked
// offline with the service's own schema, every problem printed with its path. Secrets it names are read from
// the environment only with --env; otherwise an unset one is a warning (a deployment sets it as a secret).

import { readFileSync } from 'node:fs';
import { parseConfig } from '../src/config/parse.js';
import { isAppError } from '../src/errors.js';
import { describeConfigProblems } from '../src/http/invalid-config.js';
import type { Output } from './api.js';
import { UsageError, type Parsed } from './usage.js';

export function configCheck(parsed: Parsed, output: Output, env: (name: string) => string | undefined): number {
  const [action, file] = parsed.positionals;
  if (action !== 'check' || !file) throw new UsageError('config: expected "check FILE"');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const fromEnv = parsed.values.env === true;
  // Without --env a secret stands in with a value that passes every format check (64 hex characters).
  const unset = new Set<string>();
  const lookup = (name: string) => {
    if (fromEnv) return env(name);
    unset.add(name);
    return 'f'.repeat(64);
  };
  try {
    parseConfig(text, lookup);
  } catch (error) {
    if (!(isAppError(error) && error.code === 'INVALID_CONFIG')) throw error;
    output.err(`${file}: ${describeConfigProblems(error)}\n`);
    return 1;
  }
  for (const name of unset)
    output.err(`warning: secret "${name}" is not checked here (run with --env to read it from the environment)\n`);
  if (output.style === 'json') output.out(`${JSON.stringify({ file, valid: true })}\n`);
  else if (output.style !== 'quiet') output.out(`${file}: valid\n`);
  return 0;
}
