// Finds the external programs the integration tests drive; a missing one fails with its install line.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const INSTALL: Record<string, string> = {
  'docker-registry': 'apt-get install -y docker-registry',
  skopeo: 'apt-get install -y skopeo',
  htpasswd: 'apt-get install -y apache2-utils',
  openssl: 'apt-get install -y openssl',
  chromium: 'apt-get install -y chromium',
  tmux: 'apt-get install -y tmux',
  podman: 'apt-get install -y podman',
  containerd: 'apt-get install -y containerd',
  ctr: 'apt-get install -y containerd',
  promtool: 'apt-get install -y prometheus',
};

export function requireBinary(name: keyof typeof INSTALL | string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`the tests need \`${name}\`, which is not installed: ${INSTALL[name] ?? `install ${name}`}`);
  }
}

/** A Python module of Debian's /usr/bin/python3 (which may not be the `python3` first on PATH). */
export function requireDebianPython(module: string, debianPackage: string): void {
  try {
    execFileSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `the tests need the Python module \`${module}\` of /usr/bin/python3, which is not installed: apt-get install -y ${debianPackage}`,
    );
  }
}

/** The Go peers' pinned builds (.ci/go-peers.tsv): binary -> package and version. */
function goPeers(): Map<string, { pkg: string; version: string }> {
  const lines = readFileSync(new URL('../../.ci/go-peers.tsv', import.meta.url), 'utf8').split('\n');
  const peers = new Map<string, { pkg: string; version: string }>();
  for (const line of lines) {
    const [binary, pkg, version] = line.split('\t');
    if (binary && !binary.startsWith('#') && pkg && version) peers.set(binary, { pkg, version });
  }
  return peers;
}

/**
 * A Go peer built by .ci/run (crane, oras, registry, regctl): on PATH, or where `go install` puts it. A
 * missing one fails with the line that builds it.
 */
export function requireGoBinary(name: string): string {
  const dirs = [process.env.GOBIN, join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin')];
  for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    const peer = goPeers().get(name);
    throw new Error(
      `the tests need \`${name}\`, which is not built: ` +
        (!peer
          ? 'add it to .ci/go-peers.tsv'
          : peer.version === 'source'
            ? `(cd ${peer.pkg} && go build -o "$(go env GOPATH)/bin/${name}" .) (or run .ci/run)`
            : `go install ${peer.pkg}@${peer.version} (or run .ci/run)`),
    );
  }
}

/** A Python peer in its venv (.ci/python-peers.tsv, installed by .ci/run); a missing one fails saying how. */
export function requirePythonTool(name: string): string {
  const lines = readFileSync(new URL('../../.ci/python-peers.tsv', import.meta.url), 'utf8').split('\n');
  const row = lines.map((l) => l.split('\t')).find(([tool]) => tool === name);
  if (!row) throw new Error(`${name} is not in .ci/python-peers.tsv`);
  const [, pkg, version] = row as [string, string, string];
  const venv = join(homedir(), '.cache', 'ferry', `${name}-${version}`);
  if (existsSync(join(venv, 'bin', name))) return join(venv, 'bin', name);
  throw new Error(
    `the tests need \`${name}\` ${version}, which is not installed: /usr/bin/python3 -m venv ${venv} && ` +
      `${venv}/bin/pip install ${pkg}==${version} (apt-get install -y python3-venv first; or run .ci/run)`,
  );
}
