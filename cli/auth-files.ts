// Registry credentials where skopeo and docker keep them, in skopeo's order (containers-auth.json(5)):
// REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json (without XDG_RUNTIME_DIR, as for root in a
// shell: /run/containers/<uid>/auth.json), ~/.config/containers/auth.json, then $DOCKER_CONFIG/config.json
// or ~/.docker/config.json. --authfile names the one file instead. In each: `credHelpers` for the host,
// `auths` for the host, `credsStore` for any host (a `docker-credential-<name>` program on PATH, asked with
// `get`). The first file that knows the host wins.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface FoundCredentials {
  username?: string;
  password?: string;
  identityToken?: string;
  /** Which file or helper gave them (for --debug style messages; never the values). */
  from: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

type Env = (name: string) => string | undefined;

export function authFiles(env: Env): string[] {
  const home = env('HOME') ?? homedir();
  const runtimeDir = env('XDG_RUNTIME_DIR');
  const uid = process.getuid?.();
  const files = [
    env('REGISTRY_AUTH_FILE'),
    runtimeDir
      ? join(runtimeDir, 'containers', 'auth.json')
      : uid !== undefined
        ? `/run/containers/${uid}/auth.json`
        : undefined,
    join(home, '.config', 'containers', 'auth.json'),
    join(env('DOCKER_CONFIG') ?? join(home, '.docker'), 'config.json'),
  ];
  return files.filter((f): f is string => !!f);
}

// Docker Hub is written under its old index URL in Docker's files.
const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

function keysFor(host: string): string[] {
  if (host === 'registry-1.docker.io' || host === 'docker.io' || host === 'index.docker.io') return HUB_KEYS;
  return [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
}

function readAuthFile(path: string): AuthFile | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as AuthFile;
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
}

/** Asks a docker credential helper (docker-credential-<name> get, the host on stdin). */
function fromHelper(name: string, host: string, env: Env): FoundCredentials | undefined {
  const program = `docker-credential-${name}`;
  // node:child_process loads only when a helper is asked: most runs have none, and each start counts.
  const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  let output: string;
  try {
    output = execFileSync(program, ['get'], {
      input: host,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, PATH: env('PATH') ?? process.env.PATH },
    });
  } catch {
    return undefined; // not found in the store (helpers exit 1), or not installed
  }
  try {
    const answer = JSON.parse(output) as { Username?: string; Secret?: string };
    if (!answer.Secret) return undefined;
    // Docker's convention: user "<token>" means the secret is an identity (refresh) token.
    if (answer.Username === '<token>') return { identityToken: answer.Secret, from: program };
    return { username: answer.Username ?? '', password: answer.Secret, from: program };
  } catch {
    return undefined;
  }
}

function fromAuths(file: AuthFile, host: string, path: string): FoundCredentials | undefined {
  for (const key of keysFor(host)) {
    const entry = file.auths?.[key];
    if (!entry) continue;
    if (entry.identitytoken) return { identityToken: entry.identitytoken, from: path };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from: path };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password, from: path };
  }
  return undefined;
}

/** The credentials for a registry host, or undefined (anonymous); `files`: where to look (authFiles). */
export function findCredentials(host: string, env: Env, files = authFiles(env)): FoundCredentials | undefined {
  for (const path of files) {
    const file = readAuthFile(path);
    if (!file) continue;
    const helper = keysFor(host)
      .map((k) => file.credHelpers?.[k])
      .find(Boolean);
    const found =
      (helper ? fromHelper(helper, host, env) : undefined) ??
      fromAuths(file, host, path) ??
      (file.credsStore ? fromHelper(file.credsStore, host, env) : undefined);
    if (found) return found;
  }
  return undefined;
}
