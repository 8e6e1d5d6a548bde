// Starts real docker-registry (distribution 2.8.2) processes on 127.0.0.1 with anonymous, htpasswd or token auth.

import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForHttp } from './ports.js';

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
  options: { readOnly?: boolean; port?: number; extraYaml?: string } = {},
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
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
    readonly:
      enabled: ${options.readOnly === true}
http:
  addr: 127.0.0.1:${port}
  secret: ferry-test-upload-secret
${authYaml}${options.extraYaml ?? ''}`;
  const configPath = join(home, 'config.yml');
  writeFileSync(configPath, config);
  const child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/v2/`);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`docker-registry ${name} did not start: ${String(error)}\n${stderr}`);
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
