// The verbs, their options and their help (each with an example), parsed with Node's own parseArgs.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../src/config/problems.js';

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Verb {
  name: string;
  summary: string;
  usage: string;
  example: string;
  /** More than the summary says, in the verb's own help. */
  notes?: string;
  options: Options;
  positionals: [min: number, max: number];
  /** Needs a Ferry service (jobs, rules, audit): refused in local mode. */
  remoteOnly?: boolean;
}

const flag = (short?: string) => ({ type: 'boolean' as const, ...(short ? { short } : {}) });
const text = { type: 'string' as const };
const texts = { type: 'string' as const, multiple: true };

export const GLOBAL_OPTIONS: Options = {
  config: text,
  server: text,
  audience: text,
  json: flag(),
  quiet: flag('q'),
  help: flag('h'),
};

export const VERBS: Verb[] = [
  {
    name: 'copy',
    summary: "Copy an image (or, with --all-tags or --regex, a repository's tags) between registries",
    usage:
      'ferry copy SOURCE TARGET [--platform os/arch]... [--keep-index] [--tag T]... [--all-tags | --regex RE] ' +
      '[--dry-run] [--no-clobber] [--verify-digest] [--wait=false] ' +
      '[--src-creds | --dest-creds USERNAME:PASSWORD] [--authfile FILE]',
    example: 'ferry copy docker://docker.io/library/alpine:3.20 ghcr.io/acme/alpine:3.20 --platform linux/amd64',
    notes:
      'SOURCE and TARGET are registry references, or files on this machine as skopeo names them (local mode):\n' +
      '  oci:DIR[:NAME]                  an OCI image layout (byte for byte)\n' +
      '  oci-archive:FILE[:NAME]         an OCI image layout in a tar file (byte for byte)\n' +
      "  docker-archive:FILE[:NAME:TAG] docker save's format: one platform, layers uncompressed (new digests)",
    options: {
      platform: texts,
      tag: texts,
      'all-tags': flag(),
      regex: text,
      'dry-run': flag(),
      'no-clobber': flag(),
      'keep-index': flag(),
      unwrap: flag(),
      'verify-digest': flag(),
      wait: text,
      'src-tls-verify': text,
      'dest-tls-verify': text,
      'src-creds': text,
      'dest-creds': text,
      authfile: text,
      'src-authfile': text,
      'dest-authfile': text,
    },
    positionals: [2, 2],
  },
  {
    name: 'sync',
    summary: 'Run a sync set once, as skopeo sync does (--dry-run: its plan); import a skopeo sync or regsync YAML',
    usage:
      'ferry sync FILE [--dry-run] | ferry sync import --from skopeo|regsync FILE [--target REGISTRY[/PREFIX]] ' +
      '[--scoped] [--name PREFIX]',
    example: 'ferry sync import --from skopeo sync.yaml --target registry.acme.dev/mirror > sets.json',
    options: { 'dry-run': flag(), from: text, target: text, scoped: flag(), name: text },
    positionals: [1, 2],
  },
  {
    name: 'inspect',
    summary: 'Show an image: digest, platforms, layers, config',
    usage:
      'ferry inspect REFERENCE [--raw] [--platform os/arch] [--show-config] [--format table|json|TEMPLATE] ' +
      '[--creds USERNAME:PASSWORD] [--authfile FILE]',
    example: 'ferry inspect ghcr.io/acme/app:1.4 --platform linux/arm64',
    options: {
      raw: flag(),
      platform: text,
      'show-config': flag(),
      format: text,
      'tls-verify': text,
      creds: text,
      authfile: text,
    },
    positionals: [1, 1],
  },
  {
    name: 'tags',
    summary: "List a repository's tags",
    usage: 'ferry tags REPOSITORY [--creds USERNAME:PASSWORD] [--authfile FILE]',
    example: 'ferry tags ghcr.io/acme/app',
    options: { 'tls-verify': text, creds: text, authfile: text },
    positionals: [1, 1],
  },
  {
    name: 'digest',
    summary: 'Print the digest a reference names (of one platform with --platform), as crane digest does',
    usage: 'ferry digest REFERENCE [--platform os/arch] [--creds USERNAME:PASSWORD] [--authfile FILE]',
    example: 'ferry digest ghcr.io/acme/app:1.4',
    options: { platform: text, 'tls-verify': text, creds: text, authfile: text },
    positionals: [1, 1],
  },
  {
    name: 'tag',
    summary: 'Give an image more tags in its own repository, as crane tag does: no byte moves',
    usage: 'ferry tag REFERENCE TAG... [--creds USERNAME:PASSWORD] [--authfile FILE]',
    example: 'ferry tag ghcr.io/acme/app:1.4 stable',
    options: { 'tls-verify': text, creds: text, authfile: text },
    positionals: [2, 20],
  },
  {
    name: 'delete',
    summary: "Delete a tag, or by digest a manifest and every tag on it, with the registry's delete API (crane delete)",
    usage: 'ferry delete REFERENCE [--creds USERNAME:PASSWORD] [--authfile FILE]',
    example: 'ferry delete ghcr.io/acme/app:1.4-rc1',
    options: { 'tls-verify': text, creds: text, authfile: text },
    positionals: [1, 1],
  },
  {
    name: 'login',
    summary: 'Store credentials for a registry where skopeo login stores them (as crane auth login: not tried)',
    usage: 'ferry login REGISTRY -u USERNAME (-p PASSWORD | --password-stdin) [--authfile FILE]',
    example: 'echo "$TOKEN" | ferry login ghcr.io -u octocat --password-stdin',
    options: {
      username: { type: 'string', short: 'u' },
      password: { type: 'string', short: 'p' },
      'password-stdin': flag(),
      authfile: text,
    },
    positionals: [1, 1],
  },
  {
    name: 'logout',
    summary: 'Remove the credentials ferry login (or skopeo login) stored for a registry',
    usage: 'ferry logout REGISTRY [--authfile FILE]',
    example: 'ferry logout ghcr.io',
    options: { authfile: text },
    positionals: [1, 1],
  },
  {
    name: 'diff',
    summary: 'What changed between two images: platforms, layers (shared, added, removed) and config',
    usage: 'ferry diff FROM TO',
    example: 'ferry diff ghcr.io/acme/app:1.3 ghcr.io/acme/app:1.4',
    options: { 'tls-verify': text },
    positionals: [2, 2],
  },
  {
    name: 'promote',
    summary: 'Promote an image by a rule (remote only)',
    usage: 'ferry promote SOURCE --rule NAME [--dry-run]',
    example: 'ferry promote registry.acme.dev/staging/app:1.4 --rule staging-to-prod --dry-run',
    options: { rule: text, 'dry-run': flag() },
    positionals: [1, 1],
    remoteOnly: true,
  },
  {
    name: 'jobs',
    summary: 'List, show, follow or cancel jobs (remote only)',
    usage: 'ferry jobs [ls | get ID | watch ID | cancel ID]',
    example: 'ferry jobs watch 0f6c…',
    options: {},
    positionals: [0, 2],
    remoteOnly: true,
  },
  {
    name: 'rules',
    summary: 'List, show, store or remove promotion rules (remote only)',
    usage: 'ferry rules [ls | get NAME | put NAME FILE | rm NAME]',
    example: 'ferry rules put staging-to-prod rule.json',
    options: {},
    positionals: [0, 3],
    remoteOnly: true,
  },
  {
    name: 'config',
    summary: "Check a configuration file offline with the service's own schema: every problem with its path",
    usage: 'ferry config check FILE [--env]',
    example: 'ferry config check ferry.json',
    options: { env: flag() },
    positionals: [2, 2],
  },
  {
    name: 'completion',
    summary: 'Print a shell completion script (bash or zsh)',
    usage: 'ferry completion bash|zsh',
    example: 'source <(ferry completion bash)',
    options: {},
    positionals: [1, 1],
  },
  {
    name: 'serve',
    summary: 'Run the service on Node (as npm run start:node)',
    usage: 'ferry serve',
    example: 'HOST=127.0.0.1 PORT=8787 ferry serve',
    options: {},
    positionals: [0, 0],
  },
  {
    name: 'version',
    summary: 'Print the version',
    usage: 'ferry version',
    example: 'ferry version',
    options: {},
    positionals: [0, 0],
  },
];

/** What each option does, as `--help` says it; `verb.option` where a verb means something of its own. */
const OPTION_HELP: Record<string, [value: string, description: string]> = {
  platform: ['os/arch[/variant]', 'copy that platform only: its image itself, as crane and skopeo do (repeatable)'],
  'keep-index': ['', 'with --platform: write an index of the chosen platforms (a new digest), not the image'],
  unwrap: ['', 'with one --platform: the image itself (the default now; kept for older scripts)'],
  tag: ['T', 'also tag the target T (repeatable)'],
  'all-tags': ['', "copy every tag of the source's repository, each as it is"],
  regex: ['RE', 'copy the tags RE finds (RE2 syntax, a search: anchor it with ^ and $)'],
  'dry-run': ['', 'say what would happen, asking the target as the real run would; write nothing'],
  'no-clobber': ['', 'leave a target tag that names another image: refused (one image) or skipped (--all-tags)'],
  'config.env': ['', 'read the secrets the file names from the environment (else an unset one is a warning)'],
  username: ['USERNAME', 'the user name (-u)'],
  password: ['PASSWORD', 'the password (-p); --password-stdin keeps it out of the shell history'],
  'password-stdin': ['', 'read the password from standard input'],
  'login.authfile': ['FILE', 'write this file instead of the one skopeo login writes'],
  'logout.authfile': ['FILE', 'remove the entry from this file instead'],
  'digest.platform': ['os/arch[/variant]', "the digest of that platform's image in an index"],
  'verify-digest': ['', "check each blob's digest as it streams (the registry checks it too)"],
  wait: ['true|false', 'false: hand the copy to the service as a job and print its id (needs --server)'],
  'src-tls-verify': ['true|false', 'false: plain http (or an unverified TLS peer) for the source'],
  'dest-tls-verify': ['true|false', 'false: plain http (or an unverified TLS peer) for the target'],
  'tls-verify': ['true|false', 'false: plain http (or an unverified TLS peer) for the registry'],
  'src-creds': ['USERNAME:PASSWORD', 'credentials for the source, in place of the auth files'],
  'dest-creds': ['USERNAME:PASSWORD', 'credentials for the target, in place of the auth files'],
  creds: ['USERNAME:PASSWORD', 'credentials for the registry, in place of the auth files'],
  authfile: ['FILE', 'the auth file to read (as skopeo login writes it), in place of the search'],
  'src-authfile': ['FILE', 'the auth file for the source'],
  'dest-authfile': ['FILE', 'the auth file for the target'],
  'inspect.platform': ['os/arch[/variant]', "that platform's image of an index"],
  raw: ['', 'the manifest as the registry stores it, byte for byte'],
  'show-config': ['', "also the image's config (labels, env, entrypoint, history)"],
  format: ['table|json|TEMPLATE', "how to print the summary; a Go template of skopeo's fields: '{{.Digest}}'"],
  'sync.from': ['skopeo|regsync', 'import: the kind of file to convert'],
  'sync.target': ['REGISTRY[/PREFIX]', "import --from skopeo: skopeo sync's DESTINATION, where the sets copy to"],
  'sync.scoped': ['', "import --from skopeo: the source registry in the target path, as skopeo's --scoped"],
  'sync.name': ['PREFIX', 'import: the sets are named PREFIX-1, PREFIX-2, … (default "imported")'],
  'promote.rule': ['NAME', 'the promotion rule to run (its targets, gates and signatures)'],
};

const GLOBAL_HELP = `Global options:
  --server URL      a Ferry service (or FERRY_URL); without one, Ferry runs here, as you
  --config FILE     Ferry's configuration (or FERRY_CONFIG): registries, mirrors, cloud auth
  --audience AUD    in GitHub Actions: the OIDC audience to ask for (FERRY_AUDIENCE, default "ferry")
  --json            NDJSON events and JSON results instead of text
  -q, --quiet       only errors
  -h, --help        this help

Exit codes: 0 done, 1 the operation failed, 2 usage error, 3 partly done (some tags failed).`;

export function helpText(verb?: Verb): string {
  if (!verb) {
    const width = Math.max(...VERBS.map((v) => v.name.length));
    const verbs = VERBS.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`).join('\n');
    const example = 'ferry copy docker://docker.io/library/alpine:3.20 ghcr.io/acme/alpine:3.20';
    return `Usage: ferry VERB [options]\n\nVerbs:\n${verbs}\n\n${GLOBAL_HELP}\n\nExample:\n  ${example}\n`;
  }
  const options = Object.keys(verb.options).map((name) => {
    const [value, description] = OPTION_HELP[`${verb.name}.${name}`] ?? OPTION_HELP[name] ?? ['', ''];
    return `  ${`--${name}${value ? ` ${value}` : ''}`.padEnd(32)}  ${description}`;
  });
  const optionsHelp = options.length ? `\nOptions:\n${options.join('\n')}\n` : '';
  const notes = verb.notes ? `\n${verb.notes}\n` : '';
  const example = `\nExample:\n  ${verb.example}\n`;
  return `Usage: ${verb.usage}\n\n${verb.summary}.\n${notes}${optionsHelp}\n${GLOBAL_HELP}\n${example}`;
}

export interface Parsed {
  verb: Verb;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** The verb and its arguments, or UsageError; `undefined` verb: help was asked for. */
export function parseCommandLine(args: string[]): Parsed | { help: string } {
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help')
    return { help: helpText(VERBS.find((v) => v.name === rest[0])) };
  if (name === '--version') return parseCommandLine(['version']);
  const verb = VERBS.find((v) => v.name === name);
  if (!verb) {
    const names = VERBS.map((v) => v.name);
    const guess = didYouMean(name, names);
    throw new UsageError(
      `unknown verb "${name}"${guess ? ` (did you mean ${guess}?)` : ''}: expected one of ${names.join(', ')}`,
    );
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...verb.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(error);
    // Node's "Unknown option '--platfrom'. To specify a positional argument …": the option it most likely meant.
    const unknown = message.match(/^Unknown option '--([^']+)'/)?.[1];
    if (unknown !== undefined) {
      const guess = didYouMean(unknown, Object.keys({ ...GLOBAL_OPTIONS, ...verb.options }));
      throw new UsageError(`${verb.name}: unknown option --${unknown}${guess ? ` (did you mean --${guess}?)` : ''}`);
    }
    throw new UsageError(`${verb.name}: ${message}`);
  }
  if (parsed.values.help) return { help: helpText(verb) };
  const [min, max] = verb.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new UsageError(
      `${verb.name}: expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ` +
        `${parsed.positionals.length}\nUsage: ${verb.usage}`,
    );
  }
  return { verb, values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

/** "true"/"false" flags that take a value as skopeo's do (--src-tls-verify=false). */
export function booleanValue(values: Parsed['values'], name: string, fallback: boolean): boolean {
  const value = values[name];
  if (value === undefined) return fallback;
  if (value === 'true' || value === true) return true;
  if (value === 'false') return false;
  throw new UsageError(`--${name}: expected true or false, got "${String(value)}"`);
}
