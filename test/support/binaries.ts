// Finds the external programs the integration tests drive; a missing one fails with its install line.

import { execFileSync } from 'node:child_process';

const INSTALL: Record<string, string> = {
  'docker-registry': 'apt-get install -y docker-registry',
  skopeo: 'apt-get install -y skopeo',
  htpasswd: 'apt-get install -y apache2-utils',
  openssl: 'apt-get install -y openssl',
  chromium: 'apt-get install -y chromium',
  tmux: 'apt-get install -y tmux',
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
