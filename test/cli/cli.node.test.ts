// The `ferry` executable itself (dist/cli/ferry.cjs, the package's bin), run as a user or a pipeline runs
// it, against the real registries: in local mode (no server; loopback registries over plain http,
// credentials where skopeo finds them) and in remote mode against a served Ferry, whose token a
// simulated GitHub Actions job fetches from a local fake of ACTIONS_ID_TOKEN_REQUEST_URL.

import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, SubjectAlternativeName } from '@peculiar/asn1-x509';
import { judge, uniqueRepository } from '../support/copying.js';
import { makeCertificate, toPem } from '../support/test-pki.js';
import { freePort } from '../support/ports.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const fixture = inject('fixture');
const FERRY = fileURLToPath(new URL('../../dist/cli/ferry.cjs', import.meta.url));
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const basic = fixture.targets.basic;

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ferry-cli-home-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the executable with a clean environment: its own HOME, no auth files but those a test writes. */
function ferry(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [FERRY, ...args],
      { env: { PATH: process.env.PATH!, HOME: home, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('local mode (no server)', () => {
  it('copies byte-exact (loopback registries over plain http), with one line per event when not a terminal', async () => {
    const to = `${target}/${uniqueRepository('cli/app')}:v1`;
    const run = await ferry(['copy', `docker://${source}/ferry-test/multiarch:v1`, `docker://${to}`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `resolved ${source}/ferry-test/multiarch:v1@${fixture.skopeo.anonymous.multiarch!.digest}`,
    );
    expect(run.stdout).toMatch(/^copied {2}sha256:[0-9a-f]{64}/m);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(
      `${to.replace(/:v1$/, '')}@${fixture.skopeo.anonymous.multiarch!.digest} tagged v1`,
    );
    expect((await judge(fixture.judge, 'raw', to)).raw).toBe(fixture.skopeo.anonymous.multiarch!.raw);
    expect((await judge(fixture.judge, 'copy-all', to)).ok).toBe(true);
    // --json: the events themselves, one per line.
    const json = await ferry(['copy', `${source}/ferry-test/multiarch:v1`, to, '--json']);
    expect(json.code).toBe(0);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['resolved', 'done']);
  });

  it("--platform copies that platform's image itself, as crane and skopeo do; its dry run names the digest written", async () => {
    // User-experience review v2, friction 3: the dry run named the platform's manifest, the copy wrote a new
    // one-entry index. --keep-index still writes one, and says its digest is new.
    const index = JSON.parse(Buffer.from(fixture.skopeo.anonymous.multiarch!.raw, 'base64').toString()) as {
      manifests: { digest: string; platform: { os: string; architecture: string } }[];
    };
    const amd64 = index.manifests.find((m) => m.platform.architecture === 'amd64')!.digest;
    const to = `${target}/${uniqueRepository('cli/platform')}:amd`;
    const from = `${source}/ferry-test/multiarch:v1`;
    const dry = await ferry(['copy', from, to, '--platform', 'linux/amd64', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).digest).toBe(amd64);
    const text = await ferry(['copy', from, to, '--platform', 'linux/amd64', '--dry-run']);
    expect(text.stdout).toContain(`would copy ${from}@sha256:`);
    expect(text.stdout).toMatch(/blobs: [1-9]\d* to copy/);
    const real = await ferry(['copy', from, to, '--platform', 'linux/amd64']);
    expect(real.code, real.stderr).toBe(0);
    // Asked again, the dry run finds the target holding it (friction 4: it used to say "would copy" regardless).
    const again = await ferry(['copy', from, to, '--platform', 'linux/amd64', '--dry-run']);
    expect(again.stdout).toBe(`up to date: ${to.replace(/:amd$/, '')} amd names ${amd64} already\n`);
    expect(real.stdout.trim().split('\n').at(-1)).toBe(`${to.replace(/:amd$/, '')}@${amd64} tagged amd`);
    expect((await judge(fixture.judge, 'crane-digest', to)).digest).toBe(amd64);
    const kept = `${target}/${uniqueRepository('cli/platform-index')}:amd`;
    const wrapped = await ferry(['copy', from, kept, '--platform', 'linux/amd64', '--keep-index']);
    expect(wrapped.code, wrapped.stderr).toBe(0);
    expect(wrapped.stdout).toContain('a new index of the chosen platforms');
    const raw = JSON.parse(Buffer.from((await judge(fixture.judge, 'raw', kept)).raw!, 'base64').toString());
    expect(raw.manifests.map((m: { digest: string }) => m.digest)).toEqual([amd64]);
  });

  it('--format takes the Go template skopeo inspect takes, and prints what skopeo prints', async () => {
    // User-experience review v2, friction 10: inspect took table or json only.
    const ref = `${source}/ferry-test/multiarch:v1`;
    const skopeoFormat = (template: string, extra: string[] = []) =>
      execFileSync('skopeo', ['inspect', '--tls-verify=false', ...extra, '--format', template, `docker://${ref}`], {
        encoding: 'utf8',
      });
    const amd64 = ['--override-arch', 'amd64', '--override-os', 'linux'];
    const image = '{{.Architecture}}/{{.Os}} {{.Labels}} {{.Env}} {{.Layers}} {{.Name}}';
    const ours = await ferry(['inspect', ref, '--platform', 'linux/amd64', '--format', image]);
    expect(ours.code, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(skopeoFormat(image, amd64));
    // skopeo 1.9.3 has no json function: its JSON's labels instead.
    const labels = await ferry(['inspect', ref, '--platform', 'linux/amd64', '--format', '{{json .Labels}}']);
    const summary = execFileSync('skopeo', ['inspect', '--tls-verify=false', ...amd64, `docker://${ref}`], {
      encoding: 'utf8',
    });
    expect(JSON.parse(labels.stdout)).toEqual(JSON.parse(summary).Labels ?? {});
    expect((await ferry(['inspect', ref, '--format', '{{.Digest}}'])).stdout).toBe(skopeoFormat('{{.Digest}}'));
    const bad = await ferry(['inspect', ref, '--format', '{{range .Layers}}{{.}}{{end}}']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('expected {{.Field}}')]);
  });

  it('inspects as skopeo sees it, raw and summarised, and lists tags', async () => {
    const view = fixture.skopeo.anonymous.multiarch!;
    const raw = await ferry(['inspect', '--raw', `${source}/ferry-test/multiarch:v1`]);
    expect(raw.code, raw.stderr).toBe(0);
    expect(Buffer.from(raw.stdout).toString('base64')).toBe(view.raw);
    const summary = await ferry(['inspect', `${source}/ferry-test/multiarch:v1`, '--format', 'json']);
    expect(JSON.parse(summary.stdout).digest).toBe(view.digest);
    const table = await ferry(['inspect', `${source}/ferry-test/multiarch:v1`]);
    expect(table.stdout).toContain(`Digest     ${view.digest}`);
    expect(table.stdout).toMatch(/linux\/arm64\/v8 +sha256:/);
    const listed = await ferry(['tags', `${source}/ferry-test/tags500`]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(500);
  });

  it('compares two images as GET /v1/diff does', async () => {
    const run = await ferry([
      'diff',
      `${source}/ferry-test/release-a:v1`,
      `docker://${source}/ferry-test/release-b:v1`,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('+ platform linux/s390x\n- platform linux/arm64/v8\n');
    expect(run.stdout).toMatch(/linux\/amd64: 1 layers shared \(.+\), 2 added \(.+\), 1 removed/);
    expect(run.stdout).toContain('  ~ label version: 1 -> 2\n');
    expect(run.stdout).toContain('  ~ entrypoint: ["/app"] -> ["/app","--serve"]\n');
    const json = JSON.parse(
      (await ferry(['diff', `${source}/ferry-test/release-a:v1`, `${source}/ferry-test/release-b:v1`, '--json']))
        .stdout,
    );
    expect(json.platforms.common).toEqual(['linux/amd64']);
  });

  it('syncs the tags a pattern picks, and says first what a dry run would do', async () => {
    const repository = uniqueRepository('cli/sync');
    const dry = await ferry([
      'copy',
      `${source}/ferry-test/tags500`,
      `${target}/${repository}`,
      '--regex',
      '^t00[12]$',
      '--dry-run',
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(
      `would copy 2 tags of ${source}/ferry-test/tags500 to ${target}/${repository}: t001, t002\n`,
    );
    expect((await judge(fixture.judge, 'list-tags', `${target}/${repository}`)).ok).toBe(false);
    const sync = await ferry([
      'copy',
      `${source}/ferry-test/tags500`,
      `${target}/${repository}`,
      '--regex',
      '^t00[12]$',
    ]);
    expect(sync.code, sync.stderr).toBe(0);
    const tags = await judge(fixture.judge, 'list-tags', `${target}/${repository}`);
    expect(tags.tags?.sort()).toEqual(['t001', 't002']);
    const none = await ferry([
      'copy',
      `${source}/ferry-test/tags500`,
      `${target}/${repository}`,
      '--regex',
      '^nothing$',
      '--dry-run',
    ]);
    expect([none.code, none.stderr.split(':')[1]?.trim()]).toEqual([1, 'NO_TAGS_MATCHED']);
  });

  it('a sync where a tag fails after others were copied is partly done: exit 3, the copied tags named', async () => {
    // Repository R: tag "a" whole, tag "b" whose config blob the registry lost.
    const repository = `${target}/${uniqueRepository('cli/partial')}`;
    expect((await ferry(['copy', `${source}/ferry-test/multiarch:v1`, `${repository}:a`])).code).toBe(0);
    expect((await ferry(['copy', `${source}/ferry-test/v2s2:v1`, `${repository}:b`])).code).toBe(0);
    const config = (
      JSON.parse(Buffer.from(fixture.skopeo.anonymous.v2s2!.raw, 'base64').toString()) as { config: { digest: string } }
    ).config.digest;
    const name = repository.slice(target.length + 1);
    expect((await fetch(`http://${target}/v2/${name}/blobs/${config}`, { method: 'DELETE' })).status).toBe(202);
    const sync = await ferry(['copy', repository, `${target}/${uniqueRepository('cli/partial-copy')}`, '--all-tags']);
    expect(sync.code, sync.stderr).toBe(3);
    expect(sync.stderr).toMatch(/^ferry: NOT_FOUND: .*\(1 tag copied before: a\)\n$/);
  });

  it('exit codes: 1 with the code and message on stderr for a failed copy, 2 for usage errors and remote-only verbs', async () => {
    const missing = await ferry(['copy', `${source}/ferry-test/multiarch:no-such-tag`, `${target}/cli/never:v1`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ferry: NOT_FOUND: manifest .*no-such-tag/);
    expect(missing.stdout).not.toContain('never');
    const usage = await ferry(['copy', `${source}/ferry-test/multiarch:v1`]);
    expect([usage.code, usage.stderr.split('\n')[0]]).toEqual([2, 'ferry: copy: expected 2 arguments, got 1']);
    expect((await ferry(['copy', 'a', 'b', '--no-such-flag'])).code).toBe(2);
    expect((await ferry(['frobnicate'])).code).toBe(2);
    // A mistyped flag or verb gets the one it most likely meant (user-experience review v2, friction 11).
    const typo = await ferry(['copy', 'a', 'b', '--platfrom', 'linux/amd64']);
    expect([typo.code, typo.stderr]).toEqual([
      2,
      'ferry: copy: unknown option --platfrom (did you mean --platform?)\n',
    ]);
    expect((await ferry(['inspcet', 'a/b:c'])).stderr).toContain('unknown verb "inspcet" (did you mean inspect?)');
    const remoteOnly = await ferry(['jobs', 'ls']);
    expect([remoteOnly.code, remoteOnly.stderr]).toEqual([
      2,
      'ferry: jobs needs a Ferry service (--server URL or FERRY_URL): jobs, rules and promotions live there\n',
    ]);
    expect((await ferry(['copy', `${source}/a:b`, `${target}/c:d`, '--wait=false'])).code).toBe(2);
    const help = await ferry(['copy', '--help']);
    expect([help.code, help.stdout.includes('Example:\n  ferry copy docker://')]).toEqual([0, true]);
    // Every option of every verb says what it does (user-experience review v2, friction 12).
    for (const verb of ['copy', 'sync', 'inspect', 'tags', 'diff', 'promote', 'jobs', 'rules']) {
      const text = (await ferry([verb, '--help'])).stdout;
      const section = text.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
      for (const line of section.split('\n').filter(Boolean))
        expect(line.trim(), `${verb}: ${line}`).toMatch(/^--\S+( \S+)?\s{2,}\S/);
    }
  });

  it('sync runs a set file as skopeo sync runs its YAML: the plan with --dry-run, then the copies', async () => {
    const mirror = uniqueRepository('cli-sync');
    const file = join(home, `set-${crypto.randomUUID()}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        name: 'cli-mirror',
        sources: [{ registry: source, repositories: ['ferry-test/v2s2', 'ferry-test/multiarch'] }],
        target: { registry: target, path: `${mirror}/{repository}` },
        tags: { regex: '^v1$' },
      }),
    );
    const dry = await ferry(['sync', file, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`${source}/ferry-test/v2s2 -> ${target}/${mirror}/ferry-test/v2s2\n  copy  v1`);
    expect(await (await fetch(`http://${target}/v2/${mirror}/ferry-test/v2s2/tags/list`)).status).toBe(404);
    const run = await ferry(['sync', file]);
    expect([run.code, run.stdout, run.stderr]).toEqual([
      0,
      'cli-mirror: 2 copied, 0 up to date, 0 pruned, 0 failed\n',
      '',
    ]);
    expect((await judge(fixture.judge, 'raw', `${target}/${mirror}/ferry-test/multiarch:v1`)).raw).toBe(
      fixture.skopeo.anonymous.multiarch!.raw,
    );
    const bad = await ferry(['sync', join(home, 'no-such-set.json')]);
    expect(bad.code).toBe(2);
  });
});

it('every verb has --help with an example; the bash completion script loads and completes verbs, options and actions', async () => {
  for (const verb of [
    'copy',
    'inspect',
    'tags',
    'diff',
    'promote',
    'jobs',
    'rules',
    'completion',
    'serve',
    'version',
  ]) {
    const help = await ferry([verb, '--help']);
    expect([verb, help.code, /\nExample:\n {2}\S/.test(help.stdout)]).toEqual([verb, 0, true]);
  }
  const script = await ferry(['completion', 'bash']);
  const complete = (words: string) =>
    execFileSync(
      'bash',
      [
        '-c',
        `eval "$FERRY_COMPLETION"; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _ferry; echo "\${COMPREPLY[*]}"; complete -p ferry`,
      ],
      { env: { PATH: process.env.PATH!, FERRY_COMPLETION: script.stdout }, encoding: 'utf8' },
    ).split('\n');
  expect(complete('ferry in')).toEqual(['inspect', 'complete -o default -F _ferry ferry', '']);
  expect(complete('ferry copy --pla')[0]).toBe('--platform');
  expect(complete('ferry copy --src-')[0]).toBe('--src-tls-verify --src-creds --src-authfile');
  expect(complete('ferry jobs wa')[0]).toBe('watch');
  expect((await ferry(['completion', 'fish'])).code).toBe(2);
}, 30_000);

it('serve runs the service on Node, as npm run start:node does', async () => {
  const port = await freePort();
  const state = mkdtempSync(join(home, 'serve-'));
  const child = spawn(process.execPath, [FERRY, 'serve'], {
    env: { PATH: process.env.PATH!, HOME: home, PORT: String(port), FERRY_STATE_DIR: state },
  });
  let said = '';
  child.stdout.on('data', (c) => (said += c));
  try {
    for (let i = 0; i < 100 && !said.includes('ferry listening'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(said).toContain(`ferry listening on http://127.0.0.1:${port} (node; config: local default)`);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({
      ok: true,
      auditRecordsLost: 0,
      registryQuotas: {},
    });
  } finally {
    child.kill();
  }
});

it('a source that is not there leaves the target unasked', async () => {
  const asked: string[] = [];
  const recorder = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' }).end('{}');
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  try {
    const to = `127.0.0.1:${(recorder.address() as AddressInfo).port}/cli/unasked:v1`;
    const run = await ferry(['copy', `${source}/ferry-test/not-there:v1`, to]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('NOT_FOUND');
    expect(asked).toEqual([]);
  } finally {
    recorder.close();
  }
});

it('keeps its code cache under XDG_CACHE_HOME, and removes caches of replaced builds once a month old', async () => {
  const cache = mkdtempSync(join(home, 'xdg-cache-'));
  const dir = join(cache, 'ferry');
  mkdirSync(dir);
  const old = join(dir, 'code-v0.0.0-1-1.v8');
  const recent = join(dir, 'code-v0.0.0-2-2.v8');
  writeFileSync(old, 'x');
  writeFileSync(recent, 'x');
  utimesSync(old, new Date(Date.now() - 31 * 24 * 3600 * 1000), new Date(Date.now() - 31 * 24 * 3600 * 1000));
  expect((await ferry(['version'], { XDG_CACHE_HOME: cache })).code).toBe(0);
  const left = readdirSync(dir);
  expect(left).toContain('code-v0.0.0-2-2.v8');
  expect(left).not.toContain('code-v0.0.0-1-1.v8');
  const written = left.filter((name) => name.startsWith(`code-${process.version}-`));
  expect(written).toHaveLength(1);
  // The next run starts from it and leaves it as it was.
  const before = statSync(join(dir, written[0]!)).mtimeMs;
  expect((await ferry(['version'], { XDG_CACHE_HOME: cache })).stdout).toMatch(/^ferry \d+\.\d+\.\d+/);
  expect(statSync(join(dir, written[0]!)).mtimeMs).toBe(before);
});

it('a long run leaves its code cache to the next short one (by its end, the bytecode of the start is flushed)', async () => {
  const cache = mkdtempSync(join(home, 'xdg-cache-'));
  const config = join(cache, 'slow-source.json');
  writeFileSync(
    config,
    JSON.stringify({
      registries: {
        [fixture.faultProxy]: {
          insecure: true,
          headers: { 'x-ferry-fault': 'slow-blob-get', 'x-ferry-fault-arg': String(1024 * 1024) },
        },
      },
    }),
  );
  const to = `${target}/${uniqueRepository('cli/cache')}:v1`;
  const started = Date.now();
  const long = await ferry(
    [
      'copy',
      `${fixture.faultProxy}/ferry-test/large:v1`,
      to,
      '--platform',
      'linux/amd64',
      '--config',
      config,
      '--quiet',
    ],
    { XDG_CACHE_HOME: cache },
  );
  expect(long.code, long.stderr).toBe(0);
  expect(Date.now() - started).toBeGreaterThan(2500);
  expect(existsSync(join(cache, 'ferry'))).toBe(false);
  expect((await ferry(['version'], { XDG_CACHE_HOME: cache })).code).toBe(0);
  expect(readdirSync(join(cache, 'ferry')).filter((name) => name.startsWith(`code-${process.version}-`))).toHaveLength(
    1,
  );
});

it('speaks TLS to a registry configured without insecure (node:https, loaded only then)', async () => {
  // A TLS front for the anonymous registry on 127.0.0.1, its certificate from a test CA the process trusts.
  const ca = await makeCertificate({ subject: 'CN=Ferry test CA', ca: true });
  const sans = new SubjectAlternativeName([new GeneralName({ iPAddress: '127.0.0.1' })]);
  const leaf = await makeCertificate({
    subject: 'CN=127.0.0.1',
    issuer: ca,
    extensions: { '2.5.29.17': new Uint8Array(AsnConvert.serialize(sans)) },
  });
  const key = toPem(new Uint8Array(await crypto.subtle.exportKey('pkcs8', leaf.keys.privateKey)), 'PRIVATE KEY');
  const [upstreamHost, upstreamPort] = source.split(':');
  const front = createHttpsServer({ cert: leaf.pem, key }, (req, res) => {
    const upstream = httpRequest(
      { host: upstreamHost, port: Number(upstreamPort), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(front.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(home, 'tls-'));
  writeFileSync(join(dir, 'ca.pem'), ca.pem);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ registries: { [host]: {} } }));
  try {
    const run = await ferry(
      ['inspect', `${host}/ferry-test/multiarch:v1`, '--format', 'json', '--config', join(dir, 'config.json')],
      { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).digest).toBe(fixture.skopeo.anonymous.multiarch!.digest);
  } finally {
    front.close();
  }
});

describe('local mode credentials, found as skopeo finds them', () => {
  const good = Buffer.from(`${basic.username}:${basic.password}`).toString('base64');
  const bad = Buffer.from(`${basic.username}:wrong-password`).toString('base64');
  const copyToBasic = (env: Record<string, string>) =>
    ferry(['copy', `${source}/ferry-test/v2s2:v1`, `${basic.host}/${uniqueRepository('cli/auth')}:v1`], env);
  const dir = (name: string) => {
    const path = join(home, name, crypto.randomUUID());
    mkdirSync(path, { recursive: true });
    return path;
  };

  it('from a Docker config (auths)', async () => {
    const docker = dir('docker');
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth: good } } }));
    const run = await copyToBasic({ DOCKER_CONFIG: docker });
    expect(run.code, run.stderr).toBe(0);
    expect((await copyToBasic({})).stderr).toMatch(/^ferry: UPSTREAM_UNAUTHORIZED/);
  });

  it('from a credential helper on PATH (credHelpers)', async () => {
    const docker = dir('docker');
    const bin = dir('bin');
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ credHelpers: { [basic.host]: 'ferrytest' } }));
    const helper = join(bin, 'docker-credential-ferrytest');
    writeFileSync(
      helper,
      `#!/bin/sh\nread host\n[ "$host" = "${basic.host}" ] || exit 1\necho '{"ServerURL":"${basic.host}","Username":"${basic.username}","Secret":"${basic.password}"}'\n`,
    );
    chmodSync(helper, 0o755);
    const run = await copyToBasic({ DOCKER_CONFIG: docker, PATH: `${bin}:${process.env.PATH}` });
    expect(run.code, run.stderr).toBe(0);
  });

  it('from a containers auth.json, which comes before the Docker config', async () => {
    const docker = dir('docker');
    const containers = dir('containers');
    writeFileSync(join(containers, 'auth.json'), JSON.stringify({ auths: { [basic.host]: { auth: good } } }));
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth: bad } } }));
    expect((await copyToBasic({ REGISTRY_AUTH_FILE: join(containers, 'auth.json'), DOCKER_CONFIG: docker })).code).toBe(
      0,
    );
    // The other way round: the wrong one is found first and used.
    writeFileSync(join(containers, 'auth.json'), JSON.stringify({ auths: { [basic.host]: { auth: bad } } }));
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth: good } } }));
    const refused = await copyToBasic({ REGISTRY_AUTH_FILE: join(containers, 'auth.json'), DOCKER_CONFIG: docker });
    expect([refused.code, refused.stderr.split(':')[1]?.trim()]).toEqual([1, 'UPSTREAM_UNAUTHORIZED']);
    // ~/.config/containers/auth.json, found through HOME.
    const user = dir('home');
    mkdirSync(join(user, '.config', 'containers'), { recursive: true });
    writeFileSync(
      join(user, '.config', 'containers', 'auth.json'),
      JSON.stringify({ auths: { [basic.host]: { auth: good } } }),
    );
    expect((await copyToBasic({ HOME: user })).code).toBe(0);
  });

  // User-experience review v2, friction 5: the files searched were not said, /run/containers/<uid> was not
  // among them, and skopeo's flags for credentials were missing.
  it('says where it looked when none knew the registry, /run/containers/<uid>/auth.json among them', async () => {
    const run = await copyToBasic({});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ferry: UPSTREAM_UNAUTHORIZED/);
    expect(run.stderr).toContain(`no credentials for ${basic.host} in `);
    expect(run.stderr).toContain(`/run/containers/${process.getuid!()}/auth.json`);
    expect(run.stderr).toContain(join(home, '.docker', 'config.json'));
    expect(run.stderr).toContain('--dest-creds');
  });

  it('takes --src-creds / --dest-creds and --authfile as skopeo does', async () => {
    const to = () => `${basic.host}/${uniqueRepository('cli/creds')}:v1`;
    const from = `${source}/ferry-test/v2s2:v1`;
    const creds = `${basic.username}:${basic.password}`;
    expect((await ferry(['copy', from, to(), '--dest-creds', creds])).code).toBe(0);
    const wrong = await ferry(['copy', from, to(), '--dest-creds', `${basic.username}:wrong-password`]);
    expect([wrong.code, wrong.stderr.split(':')[1]?.trim()]).toEqual([1, 'UPSTREAM_UNAUTHORIZED']);
    expect((await ferry(['copy', from, to(), '--dest-creds', 'no-password'])).code).toBe(2);
    const file = join(dir('authfile'), 'auth.json');
    writeFileSync(file, JSON.stringify({ auths: { [basic.host]: { auth: good } } }));
    expect((await ferry(['copy', from, to(), '--authfile', file])).code).toBe(0);
    expect((await ferry(['copy', from, to(), '--dest-authfile', file])).code).toBe(0);
  });

  it('reads what skopeo login writes as root without XDG_RUNTIME_DIR (/run/containers/<uid>/auth.json)', async () => {
    // A host of its own (a port forwarding to the basic registry): what this login writes is seen by no other test.
    const alias = createNetServer((socket) => {
      const [h, p] = basic.host.split(':');
      const upstream = connect(Number(p), h!);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => alias.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(alias.address() as AddressInfo).port}`;
    const skopeoEnv = { PATH: process.env.PATH!, HOME: dir('skopeo-home') };
    const login = (args: string[]) => promisify(execFile)('skopeo', args, { env: skopeoEnv });
    try {
      await login(['login', '--tls-verify=false', '-u', basic.username!, '-p', basic.password!, host]);
      expect(existsSync(`/run/containers/${process.getuid!()}/auth.json`)).toBe(true);
      const run = await ferry(['copy', `${source}/ferry-test/v2s2:v1`, `${host}/${uniqueRepository('cli/run')}:v1`]);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      await login(['logout', host]).catch(() => undefined);
      alias.close();
    }
  });
});

describe('remote mode', () => {
  let actions: Server;
  let ferryServer: ReturnType<typeof serve>;
  let url: string;
  let actionsUrl: string;
  const REQUEST_TOKEN = `actions-request-${crypto.randomUUID()}`;
  const ISSUER = 'https://token.actions.githubusercontent.com';

  beforeAll(async () => {
    // GitHub's token service: the job's request token, an audience, and a JWT signed for the job.
    const key = await importJWK(fixture.oidc.keys.first, 'RS256');
    actions = createServer(async (req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      if (req.headers.authorization !== `bearer ${REQUEST_TOKEN}` || !query.get('audience'))
        return res.writeHead(401).end();
      const value = await new SignJWT({ repository: 'acme/app', ref: 'refs/heads/main' })
        .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
        .setIssuer(ISSUER)
        .setAudience(query.get('audience')!)
        .setSubject('repo:acme/app:ref:refs/heads/main')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 1, value }));
    });
    await new Promise<void>((r) => actions.listen(0, '127.0.0.1', r));
    actionsUrl = `http://127.0.0.1:${(actions.address() as AddressInfo).port}/_apis/token?api-version=2.0`;
    const service = makeService(
      {
        registries: localRegistries(source, target),
        callers: {
          oidc: [{ issuer: ISSUER, jwksUri: `${fixture.oidc.base}/jwks/cli`, audience: 'ferry-ci' }],
          grants: [
            {
              issuer: ISSUER,
              claims: { repository: 'acme/app' },
              actions: ['inspect', 'copy', 'promote', 'admin'],
              repositories: [`${source}/**`, `${target}/cli/**`],
            },
          ],
        },
      },
      { jobs: true },
    );
    ferryServer = serve({ fetch: service.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((r) => setTimeout(r, 50));
    url = `http://127.0.0.1:${(ferryServer.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    actions?.close();
    ferryServer?.close();
  });

  const job = () => ({
    FERRY_URL: url,
    FERRY_AUDIENCE: 'ferry-ci',
    ACTIONS_ID_TOKEN_REQUEST_URL: actionsUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
  });

  it('the read verbs, a sync, a dry run and a failure behave as in local mode', async () => {
    const listed = await ferry(['tags', `${source}/ferry-test/tags500`], job());
    expect([listed.code, listed.stdout.trim().split('\n').length]).toEqual([0, 500]);
    const compared = await ferry(
      ['diff', `${source}/ferry-test/release-a:v1`, `${source}/ferry-test/release-b:v1`, '--json'],
      job(),
    );
    expect(JSON.parse(compared.stdout).platforms.added).toEqual(['linux/s390x']);
    const repository = `${target}/${uniqueRepository('cli/remote-sync')}`;
    const dry = await ferry(
      ['copy', `${source}/ferry-test/tags500`, repository, '--regex', '^t01[01]$', '--dry-run'],
      job(),
    );
    expect(dry.stdout).toBe(`would copy 2 tags of ${source}/ferry-test/tags500 to ${repository}: t010, t011\n`);
    const sync = await ferry(['copy', `${source}/ferry-test/tags500`, repository, '--regex', '^t01[01]$'], job());
    expect(sync.code, sync.stderr).toBe(0);
    expect((await judge(fixture.judge, 'list-tags', repository)).tags?.sort()).toEqual(['t010', 't011']);
    const missing = await ferry(['copy', `${source}/ferry-test/v2s2:nope`, `${repository}:x`], job());
    expect([missing.code, missing.stderr.split(':')[1]?.trim()]).toEqual([1, 'NOT_FOUND']);
  }, 30_000);

  it('remote-only verbs: rules put, ls, get and rm; promote (dry run, then for real); a job submitted and watched', async () => {
    const staging = `${target}/${uniqueRepository('cli/stage')}`;
    const prod = `${target}/${uniqueRepository('cli/prod')}`;
    expect((await ferry(['copy', `${source}/ferry-test/v2s2:v1`, `${staging}:v7`], job())).code).toBe(0);
    const ruleFile = join(home, `rule-${crypto.randomUUID()}.json`);
    writeFileSync(
      ruleFile,
      JSON.stringify({
        source: { repository: staging, tags: { regex: '^v[0-9]+$' } },
        targets: [{ repository: prod, tags: ['{tag}'] }],
      }),
    );
    const name = `cli-${crypto.randomUUID().slice(0, 8)}`;
    const put = await ferry(['rules', 'put', name, ruleFile], job());
    expect(put.code, put.stderr).toBe(0);
    expect(JSON.parse((await ferry(['rules', 'ls', '--json'], job())).stdout).rules.map((r: any) => r.name)).toContain(
      name,
    );
    expect(JSON.parse((await ferry(['rules', 'get', name, '--json'], job())).stdout).targets[0].repository).toBe(prod);
    const planned = await ferry(['promote', `${staging}:v7`, '--rule', name, '--dry-run'], job());
    expect(planned.code, planned.stderr).toBe(0);
    expect((await judge(fixture.judge, 'raw', `${prod}:v7`)).ok).toBe(false);
    const promoted = await ferry(['promote', `${staging}:v7`, '--rule', name], job());
    expect(promoted.code, promoted.stderr).toBe(0);
    expect((await judge(fixture.judge, 'raw', `${prod}:v7`)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);
    expect((await ferry(['rules', 'rm', name], job())).code).toBe(0);
    const gone = await ferry(['rules', 'get', name], job());
    expect([gone.code, gone.stderr.split(':')[1]?.trim()]).toEqual([1, 'NOT_FOUND']);

    const submitted = await ferry(
      ['copy', `${source}/ferry-test/multiarch:v1`, `${target}/${uniqueRepository('cli/jobbed')}:v1`, '--wait=false'],
      job(),
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = /^job (\S+) /.exec(submitted.stdout)?.[1];
    expect(id, submitted.stdout).toBeTruthy();
    const watched = await ferry(['jobs', 'watch', id!], job());
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout.trim().split('\n').at(-2)).toMatch(new RegExp(`^job ${id} done`));
    expect(JSON.parse((await ferry(['jobs', 'get', id!, '--json'], job())).stdout).state).toBe('done');
    // `show`, as kubectl and gh users type it, is `get` (user-experience review v2, friction 12).
    expect(JSON.parse((await ferry(['jobs', 'show', id!, '--json'], job())).stdout).state).toBe('done');
    expect((await ferry(['jobs', 'cancel', id!], job())).stderr).toMatch(/^ferry: CONFLICT: /);
  }, 60_000);

  it('a GitHub Actions job copies with its own OIDC token; without one it is refused (exit 1)', async () => {
    const to = `${target}/${uniqueRepository('cli/remote')}:v1`;
    const run = await ferry(['copy', `${source}/ferry-test/v2s2:v1`, to], job());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(
      `${to.replace(/:v1$/, '')}@${fixture.skopeo.anonymous.v2s2!.digest} tagged v1`,
    );
    expect((await judge(fixture.judge, 'raw', to)).raw).toBe(fixture.skopeo.anonymous.v2s2!.raw);
    const inspected = await ferry(['inspect', `${source}/ferry-test/v2s2:v1`, '--format', 'json', '--server', url], {
      ...job(),
      FERRY_URL: '',
    });
    expect(JSON.parse(inspected.stdout).digest).toBe(fixture.skopeo.anonymous.v2s2!.digest);
    // Outside its grants: the service's refusal, exit 1.
    const refused = await ferry(['copy', `${source}/ferry-test/v2s2:v1`, `${target}/elsewhere/app:v1`], job());
    expect([refused.code, refused.stderr.split(':')[1]?.trim()]).toEqual([1, 'FORBIDDEN']);
    const anonymous = await ferry(['copy', `${source}/ferry-test/v2s2:v1`, to], { FERRY_URL: url });
    expect([anonymous.code, anonymous.stderr.split(':')[1]?.trim()]).toEqual([1, 'UNAUTHENTICATED']);
  });
});
