// `ferry login` and `ferry logout`: the credentials file `skopeo login` writes, where it writes it
// (REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/<uid>/auth.json;
// --authfile names another), in its format: {"auths": {"host": {"auth": base64("user:password")}}}.
// As `crane auth login`, the credentials are written, not tried: the next request to the registry tells.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { authFiles } from './auth-files.js';
import { Failure, type Output } from './api.js';
import { UsageError, type Parsed } from './usage.js';

type Env = (name: string) => string | undefined;

/** Where skopeo login writes: --authfile, REGISTRY_AUTH_FILE, or the runtime directory's auth.json. */
function loginFile(parsed: Parsed, env: Env): string {
  const named = parsed.values.authfile as string | undefined;
  if (named) return named;
  // The search's first file: REGISTRY_AUTH_FILE when set, else the runtime directory's.
  return authFiles(env)[0]!;
}

function readFile(path: string): { auths?: Record<string, unknown> } & Record<string, unknown> {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Failure('INVALID_AUTH_FILE', `${path} is not valid JSON: fix or remove it`);
  }
}

function writeFile(path: string, content: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(content, null, '\t')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // a file that was there keeps its mode otherwise
}

const registryOf = (parsed: Parsed) => parsed.positionals[0]!.replace(/^docker:\/\//, '').replace(/\/+$/, '');

export function login(parsed: Parsed, output: Output, env: Env, stdin: () => string): number {
  const host = registryOf(parsed);
  const v = parsed.values;
  const username = v.username as string | undefined;
  if (!username) throw new UsageError('login: give the user name with -u USERNAME');
  if (v.password !== undefined && v['password-stdin'])
    throw new UsageError('login: give the password with -p or --password-stdin, not both');
  const password = v['password-stdin'] ? stdin().replace(/\r?\n$/, '') : (v.password as string | undefined);
  if (!password) throw new UsageError('login: give the password with -p PASSWORD or --password-stdin');
  const path = loginFile(parsed, env);
  const file = readFile(path);
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  writeFile(path, { ...file, auths: { ...file.auths, [host]: { auth } } });
  if (output.style !== 'quiet') output.out(`Login Succeeded: credentials for ${host} written to ${path}\n`);
  return 0;
}

export function logout(parsed: Parsed, output: Output, env: Env): number {
  const host = registryOf(parsed);
  const path = loginFile(parsed, env);
  const file = readFile(path);
  if (!file.auths || !(host in file.auths)) throw new Failure('NOT_LOGGED_IN', `not logged in to ${host} (${path})`);
  const { [host]: _gone, ...rest } = file.auths;
  writeFile(path, { ...file, auths: rest });
  if (output.style !== 'quiet') output.out(`Removed login credentials for ${host}\n`);
  return 0;
}
