// Runs skopeo, the reference client, against the local registries.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SkopeoAuth {
  creds?: string;
}

function authArgs(prefix: 'src' | 'dest' | '', auth: SkopeoAuth): string[] {
  const tls = prefix ? `--${prefix}-tls-verify=false` : '--tls-verify=false';
  if (!auth.creds) return [tls];
  return [tls, prefix ? `--${prefix}-creds=${auth.creds}` : `--creds=${auth.creds}`];
}

export async function skopeo(args: string[]): Promise<Buffer> {
  try {
    const { stdout } = await run('skopeo', ['--insecure-policy', ...args], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`skopeo ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

export async function skopeoInspect(
  ref: string,
  auth: SkopeoAuth,
  mode: 'summary' | 'raw' | 'config',
): Promise<Buffer> {
  const flags = mode === 'raw' ? ['--raw'] : mode === 'config' ? ['--config', '--raw'] : [];
  return skopeo(['inspect', ...flags, ...authArgs('', auth), `docker://${ref}`]);
}

export async function skopeoCopy(
  source: string,
  dest: string,
  options: { srcAuth?: SkopeoAuth; destAuth?: SkopeoAuth; all?: boolean; format?: string } = {},
): Promise<void> {
  const args = ['copy', ...(options.all === false ? [] : ['--all'])];
  if (options.format) args.push('--format', options.format);
  if (source.startsWith('docker://')) args.push(...authArgs('src', options.srcAuth ?? {}));
  if (dest.startsWith('docker://')) args.push(...authArgs('dest', options.destAuth ?? {}));
  await skopeo([...args, source, dest]);
}
