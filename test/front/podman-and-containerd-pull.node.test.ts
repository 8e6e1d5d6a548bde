// podman and containerd pull through the registry front: podman (Debian's 4.3, vfs storage under a root of
// its own) with an API key as its password, and containerd (Debian's 1.6, started without systemd on its
// own socket and root) with a `hosts.toml` that makes Ferry the mirror of a registry whose name does not
// resolve, so every byte must come through Ferry (containerd sends `?ns=<that name>`). Images, an index
// and a zstd image; each pulled image's digest is the upstream's.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { requireBinary } from '../support/binaries.js';
import { localRegistries } from '../support/configs.js';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const KEY = 'podman-containerd-key';
// A name that must not resolve: containerd falls back to the registry itself when its mirror fails.
const UNRESOLVABLE = 'upstream.ferry-test.invalid';
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ferry-pullers-'));
let ferry: FerryProcess;
let containerd: ChildProcess | undefined;
let front: string;

const zstd = () => fixture.shapes.find((s) => s.name === 'zstd')!;
const images = () => [
  { ref: 'ferry-test/v2s2:v1', digest: fixture.skopeo.anonymous.v2s2!.digest },
  { ref: 'ferry-test/multiarch:v1', digest: fixture.skopeo.anonymous.multiarch!.digest },
  { ref: `${zstd().repository}:${zstd().tag}`, digest: zstd().digest },
];

beforeAll(async () => {
  const sha256 = (await computeDigest(new TextEncoder().encode(KEY))).slice(7);
  ferry = await startFerry(
    {
      registries: localRegistries(source, target),
      front: { aliases: { local: { registry: source } }, namespaces: { [UNRESOLVABLE]: { registry: source } } },
      callers: {
        apiKeys: [{ name: 'pullers', sha256 }],
        grants: [{ apiKey: 'pullers', actions: ['pull'], repositories: [`${source}/**`] }],
      },
    },
    {},
    undefined,
    'node',
  );
  front = new URL(ferry.base).host;
}, 90_000);

afterAll(async () => {
  containerd?.kill('SIGKILL');
  await ferry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('podman logs in with an API key and pulls images, an index and a zstd image, with the upstream’s digests', async () => {
  const podman = requireBinary('podman');
  const root = join(dir, 'podman');
  const env = { ...process.env, REGISTRY_AUTH_FILE: join(root, 'auth.json') };
  const base = ['--root', join(root, 'root'), '--runroot', join(root, 'run'), '--storage-driver', 'vfs'];
  mkdirSync(root, { recursive: true });
  const login = spawn(podman, ['login', '--tls-verify=false', '-u', 'anyone', '--password-stdin', front], { env });
  login.stdin!.end(KEY);
  expect(await new Promise((r) => login.on('exit', r))).toBe(0);
  for (const { ref, digest } of images()) {
    const name = `${front}/local/${ref}`;
    await run(podman, [...base, 'pull', '--tls-verify=false', name], { env, maxBuffer: 16 << 20 });
    const { stdout } = await run(podman, [...base, 'image', 'inspect', '--format', '{{.Digest}}', name], { env });
    expect(stdout.trim(), ref).toBe(digest);
  }
}, 180_000);

it('podman pulls a registry it cannot reach itself through the front, as registries.conf makes it the mirror', async () => {
  const podman = requireBinary('podman');
  const root = join(dir, 'podman-mirror');
  mkdirSync(root, { recursive: true });
  // docs/registry-mirror.md shows these lines.
  writeFileSync(
    join(root, 'registries.conf'),
    `[[registry]]\nprefix = "${UNRESOLVABLE}"\nlocation = "${UNRESOLVABLE}"\n\n` +
      `[[registry.mirror]]\nlocation = "${front}/local"\ninsecure = true\n`,
  );
  writeFileSync(join(root, 'auth.json'), JSON.stringify({ auths: { [front]: { auth: btoa(`anyone:${KEY}`) } } }));
  const env = {
    ...process.env,
    CONTAINERS_REGISTRIES_CONF: join(root, 'registries.conf'),
    REGISTRY_AUTH_FILE: join(root, 'auth.json'),
  };
  const base = ['--root', join(root, 'root'), '--runroot', join(root, 'run'), '--storage-driver', 'vfs'];
  const name = `${UNRESOLVABLE}/ferry-test/v2s2:v1`;
  await run(podman, [...base, 'pull', name], { env, maxBuffer: 16 << 20 });
  const { stdout } = await run(podman, [...base, 'image', 'inspect', '--format', '{{.Digest}}', name], { env });
  expect(stdout.trim()).toBe(fixture.skopeo.anonymous.v2s2!.digest);
}, 120_000);

it('containerd pulls through the front as the mirror of a registry it cannot reach itself (?ns=)', async () => {
  requireBinary('containerd');
  const ctr = requireBinary('ctr');
  const root = join(dir, 'containerd');
  const socket = join(root, 'containerd.sock');
  const hosts = join(root, 'hosts', UNRESOLVABLE);
  mkdirSync(hosts, { recursive: true });
  writeFileSync(
    join(hosts, 'hosts.toml'),
    `server = "https://${UNRESOLVABLE}"\n\n[host."http://${front}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  // Only what pulling needs: no CRI, no snapshotter beyond the native one.
  writeFileSync(
    join(root, 'config.toml'),
    'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", ' +
      '"io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]\n',
  );
  containerd = spawn(
    'containerd',
    [
      '--config',
      join(root, 'config.toml'),
      '--root',
      join(root, 'root'),
      '--state',
      join(root, 'state'),
      '--address',
      socket,
    ],
    { stdio: 'ignore' },
  );
  const ctrArgs = ['--address', socket, '--namespace', 'ferry-test'];
  for (let i = 0; ; i++) {
    try {
      await run(ctr, [...ctrArgs, 'version']);
      break;
    } catch (error) {
      if (i > 50) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  for (const { ref, digest } of images()) {
    const name = `${UNRESOLVABLE}/${ref}`;
    await run(
      ctr,
      [
        ...ctrArgs,
        'image',
        'pull',
        '--hosts-dir',
        join(root, 'hosts'),
        '--user',
        `anyone:${KEY}`,
        '--all-platforms',
        name,
      ],
      { maxBuffer: 16 << 20 },
    );
    const { stdout } = await run(ctr, [...ctrArgs, 'image', 'ls']);
    const line = stdout.split('\n').find((l) => l.startsWith(`${name} `));
    expect(line, stdout).toContain(digest);
  }
}, 180_000);
