// The tools Ferry's copies are measured beside, each copying the whole image (every platform) from one
// registry to another: skopeo (Debian), crane and regctl (built by .ci/run from the Go module proxy).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary, requireGoBinary } from '../test/support/binaries.js';
import { skopeoCopy } from '../test/support/skopeo.js';

export interface Peer {
  name: string;
  /** A copy with nothing remembered from an earlier one (skopeo's blob-info cache is removed first). */
  cold(source: string, target: string): Promise<void>;
  copy(source: string, target: string): Promise<void>;
}

// skopeo's blob-info cache lets it mount what it saw before; the cold cases want it cold (root's path).
const SKOPEO_CACHE = '/var/lib/containers/cache/blob-info-cache-v1.boltdb';

const run = (binary: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  promisify(execFile)(binary, args, { env, maxBuffer: 16 << 20 }).then(() => undefined);

export function peers(): Peer[] {
  requireBinary('skopeo');
  const crane = requireGoBinary('crane');
  const regctl = requireGoBinary('regctl');
  // regctl keeps its configuration under HOME: an empty one, so nothing of the machine's counts.
  const regctlHome = mkdtempSync(join(tmpdir(), 'bench-regctl-'));
  process.once('exit', () => rmSync(regctlHome, { recursive: true, force: true }));
  const insecure = (ref: string) => `reg=${ref.split('/')[0]},tls=disabled`;
  const regctlCopy = (source: string, target: string) =>
    run(regctl, ['image', 'copy', '--host', insecure(source), '--host', insecure(target), source, target], {
      ...process.env,
      HOME: regctlHome,
    });
  const craneCopy = (source: string, target: string) => run(crane, ['copy', '--insecure', source, target]);
  const skopeo = (source: string, target: string) => skopeoCopy(`docker://${source}`, `docker://${target}`);
  return [
    {
      name: 'skopeo',
      cold: async (source, target) => {
        rmSync(SKOPEO_CACHE, { force: true });
        await skopeo(source, target);
      },
      copy: skopeo,
    },
    { name: 'crane', cold: craneCopy, copy: craneCopy },
    { name: 'regctl', cold: regctlCopy, copy: regctlCopy },
  ];
}
