// Starts real registries on 127.0.0.1: docker-registry (distribution 2.8.2, Debian) with anonymous, htpasswd or
// token auth; distribution 3.x (`registry`, built by .ci/run) from the same configuration; and go-containerregistry's
// registry (what `crane registry serve` runs) with its OCI 1.1 referrers API on (.ci/referrers-registry).

import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireGoBinary } from './binaries.js';
import { freePort, waitForHttp } from './ports.js';

/** The registry implementations the suites run against. */
export type Implementation = 'distribution-2.8' | 'distribution-3' | 'go-containerregistry';

export type RegistryAuth =
  | { kind: 'anonymous' }
  | { kind: 'htpasswd'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; certPath: string };

export interface RunningRegistry {
  host: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startRegistry(
  dir: string,
  name: string,
  storageDir: string,
  auth: RegistryAuth,
  options: {
    readOnly?: boolean;
    port?: number;
    extraYaml?: string;
    implementation?: Implementation;
    /** false: storage.delete.enabled off, distribution's default (every delete answered 405 UNSUPPORTED). */
    allowDelete?: boolean;
  } = {},
): Promise<RunningRegistry> {
  const port = options.port ?? (await freePort());
  const home = join(dir, name);
  mkdirSync(home, { recursive: true });
  let authYaml = '';
  if (auth.kind === 'htpasswd') {
    const lines = Object.entries(auth.users).map(([user, pass]) =>
      execFileSync('htpasswd', ['-Bbn', user, pass], { encoding: 'utf8' }).trim(),
    );
    writeFileSync(join(home, 'htpasswd'), `${lines.join('\n')}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: ferry-test\n    path: ${join(home, 'htpasswd')}\n`;
  } else if (auth.kind === 'token') {
    authYaml = `auth:\n  token:\n    realm: ${auth.realm}\n    service: ${auth.service}\n    issuer: ${auth.issuer}\n    rootcertbundle: ${auth.certPath}\n`;
  }
  // Distribution refuses every foreign layer URL unless allowed: the test images' foreign layer is, as an
  // operator who mirrors Windows images would allow it.
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: ${options.allowDelete !== false}
  maintenance:
    uploadpurging:
      enabled: false
    readonly:
      enabled: ${options.readOnly === true}
http:
  addr: 127.0.0.1:${port}
  secret: ferry-test-upload-secret
validation:
  manifests:
    urls:
      allow:
        - ^https://ferry-test\\.invalid/
${authYaml}${options.extraYaml ?? ''}`;
  const configPath = join(home, 'config.yml');
  writeFileSync(configPath, config);
  const binary = options.implementation === 'distribution-3' ? requireGoBinary('registry') : 'docker-registry';
  return watch(name, port, spawn(binary, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] }));
}

/** go-containerregistry's registry with referrers: blobs on disk under `storageDir`, manifests in memory, no auth. */
export async function startGgcrRegistry(name: string, storageDir: string): Promise<RunningRegistry> {
  const port = await freePort();
  const args = ['--address', `127.0.0.1:${port}`, '--disk', storageDir];
  return watch(
    name,
    port,
    spawn(requireGoBinary('referrers-registry'), args, { stdio: ['ignore', 'ignore', 'ignore'] }),
  );
}

async function watch(name: string, port: number, child: ChildProcess): Promise<RunningRegistry> {
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/v2/`);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`registry ${name} did not start: ${String(error)}\n${stderr}`);
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
