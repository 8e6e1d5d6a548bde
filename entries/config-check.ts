// `npm run config:check -- FILE [--env]`: validates a configuration file offline with the service's own
// schema and prints every problem with its path. Secrets it names are looked up in the environment only
// with --env; otherwise an unset one is a warning (a deployment sets it as a Worker secret).

import { readFileSync } from 'node:fs';
import process from 'node:process';
import { parseConfig } from '../src/config/parse.js';
import { isAppError } from '../src/errors.js';
import { describeConfigProblems } from '../src/http/invalid-config.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const fromEnv = args.includes('--env');
if (!file) {
  console.error('usage: npm run config:check -- FILE [--env]');
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch (error) {
  console.error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
// Without --env a secret stands in with a value that passes every format check (64 hex characters).
const unset = new Set<string>();
const lookup = (name: string) => {
  const value = fromEnv ? process.env[name] : undefined;
  if (value !== undefined || fromEnv) return value;
  unset.add(name);
  return 'f'.repeat(64);
};
try {
  parseConfig(text, lookup);
} catch (error) {
  if (!(isAppError(error) && error.code === 'INVALID_CONFIG')) throw error;
  console.error(`${file}: ${describeConfigProblems(error)}`);
  process.exit(1);
}
for (const name of unset)
  console.warn(`warning: secret "${name}" is not checked here (run with --env to read it from the environment)`);
console.log(`${file}: valid`);
