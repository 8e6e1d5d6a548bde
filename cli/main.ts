// `ferry` on the command line: copy, inspect and list tags against a Ferry service or, without one, in
// this process as the local user; exit codes a pipeline can trust (0 done, 1 failed, 2 usage, 3 partly).

import { readFileSync } from 'node:fs';
import process from 'node:process';
import { isAppError } from '../src/errors.js';
import { escapeControl, escapeJsonControl } from '../src/control-text.js';
import { parseReference } from '../src/reference.js';
import { bashCompletion, zshCompletion } from './completion.js';
import { digest, remove, tag } from './everyday.js';
import { login, logout } from './login.js';
import { configCheck } from './config-check.js';
import { Failure, withoutTransport, type Output } from './api.js';
import { copy, diff, inspect, tags } from './commands.js';
import { copyAirGap, namesAirGap } from './air-gap/copy.js';
import { jobs, promote, rules } from './remote-verbs.js';
import {
  localConnection,
  readConfigDocument,
  remoteConnection,
  remoteToken,
  type Connection,
  type LocalRegistry,
} from './connection.js';
import { importSets, readSyncSet, sync, syncSetHosts } from './sync.js';
import { booleanValue, parseCommandLine, UsageError, type Parsed } from './usage.js';

const env = (name: string) => process.env[name];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The registries a verb reaches, for the local configuration (with skopeo's per-side TLS flags). */
function registriesOf(parsed: Parsed): LocalRegistry[] {
  const v = parsed.values;
  // A reference or a repository: the registry is the same either way (and a bad name gets its own reason).
  const host = (reference: string) => parseReference(reference, { defaultTag: false }).registry;
  const [first, second] = parsed.positionals.map(withoutTransport);
  // skopeo's credentials flags: a copy's per side (--src-creds, --dest-authfile, …, or --authfile for both), a
  // read's --creds and --authfile.
  const side = (reference: string, prefix: 'src-' | 'dest-' | '', tlsFlag: string): LocalRegistry => {
    const creds = v[`${prefix}creds`] as string | undefined;
    const authfile = (v[`${prefix}authfile`] ?? v.authfile) as string | undefined;
    return {
      host: host(reference),
      insecure: !booleanValue(v, tlsFlag, true),
      ...(creds !== undefined ? { creds } : {}),
      ...(authfile !== undefined ? { authfile } : {}),
    };
  };
  if (parsed.verb.name === 'copy')
    return [side(first!, 'src-', 'src-tls-verify'), side(second!, 'dest-', 'dest-tls-verify')];
  if (parsed.verb.name === 'sync' && parsed.positionals[0] !== 'import')
    return syncSetHosts(readSyncSet(parsed.positionals[0]!, (path) => readFileSync(path, 'utf8'))).map((h) => ({
      host: h,
      insecure: false,
    }));
  if (['inspect', 'tags', 'digest', 'tag', 'delete'].includes(parsed.verb.name))
    return [side(first!, '', 'tls-verify')];
  if (parsed.verb.name === 'diff')
    return [first!, second!].map((r) => ({ host: host(r), insecure: !booleanValue(v, 'tls-verify', true) }));
  return [];
}

async function connect(parsed: Parsed): Promise<Connection> {
  const server = (parsed.values.server as string | undefined) ?? env('FERRY_URL');
  if (server) return remoteConnection(server, await remoteToken(env, parsed.values.audience as string | undefined));
  if (parsed.verb.remoteOnly)
    throw new UsageError(
      `${parsed.verb.name} needs a Ferry service (--server URL or FERRY_URL): jobs, rules and promotions live there`,
    );
  return localConnection(
    readConfigDocument(parsed.values.config as string | undefined, env),
    registriesOf(parsed),
    env,
  );
}

/**
 * Where a local run looked for credentials of the registries that had none, for a refusal: skopeo's files,
 * and the flags that give them.
 */
function credentialsHint(connection: Connection | undefined, code: string): string {
  if (code === 'UNAUTHENTICATED' && connection?.tokenless)
    return (
      'ferry: set FERRY_TOKEN to an API key of the service (in GitHub Actions, grant the job id-token: write ' +
      'and Ferry asks for its OIDC token)\n'
    );
  if (code !== 'UPSTREAM_UNAUTHORIZED' || !connection?.uncredentialed?.length) return '';
  return connection.uncredentialed
    .map(
      ({ host, searched }) =>
        `ferry: no credentials for ${host} in ${searched.join(', ')}: \`skopeo login ${host}\` writes them, or ` +
        `give --src-creds / --dest-creds USERNAME:PASSWORD (or --authfile FILE)\n`,
    )
    .join('');
}

export async function main(args: string[], output: Output): Promise<number> {
  let connection: Connection | undefined;
  try {
    const parsed = parseCommandLine(args);
    if ('help' in parsed) {
      output.out(parsed.help);
      return 0;
    }
    const style = parsed.values.json ? 'json' : parsed.values.quiet ? 'quiet' : output.style;
    // Whatever a registry or a server said is escaped on its way to the terminal (review v2, B6).
    const text = style === 'json' ? escapeJsonControl : escapeControl;
    const out: Output = {
      style,
      out: (t) => output.out(text(t)),
      err: (t) => output.err(escapeControl(t)),
      raw: output.out,
    };
    switch (parsed.verb.name) {
      case 'version':
        out.out(`ferry ${version()}\n`);
        return 0;
      case 'completion': {
        const shell = parsed.positionals[0];
        if (shell !== 'bash' && shell !== 'zsh')
          throw new UsageError(`completion: expected bash or zsh, got "${shell}"`);
        out.out(shell === 'bash' ? bashCompletion() : zshCompletion());
        return 0;
      }
      case 'sync':
        // Converting a file reaches no registry.
        if (parsed.positionals[0] === 'import') return importSets(parsed, out, (path) => readFileSync(path, 'utf8'));
        break;
      case 'config':
        return configCheck(parsed, out, env);
      case 'login':
        return login(parsed, out, env, () => readFileSync(0, 'utf8'));
      case 'logout':
        return logout(parsed, out, env);
      case 'serve':
        // The launcher imports the server's own bundle (its modules, SQLite among them, load only then).
        return SERVE;
    }
    if (namesAirGap(parsed)) {
      const remote = Boolean((parsed.values.server as string | undefined) ?? env('FERRY_URL'));
      const local = (through: Parsed) =>
        (connection = localConnection(
          readConfigDocument(through.values.config as string | undefined, env),
          registriesOf(through),
          env,
        ));
      return await copyAirGap(parsed, out, remote, local, copy);
    }
    connection = await connect(parsed);
    switch (parsed.verb.name) {
      case 'copy':
        return await copy(connection, parsed, out);
      case 'inspect':
        return await inspect(connection, parsed, out);
      case 'tags':
        return await tags(connection, parsed, out);
      case 'diff':
        return await diff(connection, parsed, out);
      case 'digest':
        return await digest(connection, parsed, out);
      case 'tag':
        return await tag(connection, parsed, out);
      case 'delete':
        return await remove(connection, parsed, out);
      case 'promote':
        return await promote(connection, parsed, out);
      case 'jobs':
        return await jobs(connection, parsed, out);
      case 'sync':
        return await sync(connection, parsed, out, (path) => readFileSync(path, 'utf8'));
      default:
        return await rules(connection, parsed, out, (path) => readFileSync(path, 'utf8'));
    }
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(escapeControl(`ferry: ${error.message}\n`));
      return 2;
    }
    if (error instanceof Failure) {
      output.err(escapeControl(`ferry: ${error.code}: ${error.message}\n${credentialsHint(connection, error.code)}`));
      return error.exitCode;
    }
    if (isAppError(error)) {
      // A reference or configuration refused before any request (the service's own checks, in process).
      output.err(escapeControl(`ferry: ${error.code}: ${error.message}\n${credentialsHint(connection, error.code)}`));
      return error.code === 'INVALID_REFERENCE' ? 2 : 1;
    }
    output.err(escapeControl(`ferry: ${error instanceof Error ? error.message : String(error)}\n`));
    return 1;
  }
}

/** main's answer to `ferry serve`: not an exit code, the service is to start. */
const SERVE = -1;

/**
 * Runs the command line this process was started with (cli/ferry.ts calls it); 'serve' when the launcher
 * is to start the service (a module import, which code run from V8's code cache cannot do itself).
 */
export async function run(): Promise<'serve' | undefined> {
  const output: Output = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    style: process.stdout.isTTY ? 'tty' : 'plain',
  };
  const code = await main(process.argv.slice(2), output);
  if (code === SERVE) return 'serve';
  process.exitCode = code;
  return undefined;
}
