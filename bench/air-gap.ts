// Air-gap transports with a large layer: `ferry copy oci:DIR:v1 oci-archive:FILE:v1` and back, beside
// `skopeo copy` doing the same, each a process of its own whose peak RSS and wall time GNU time reports
// (getrusage: the true peak, not a sample). The layer is written to the source layout in 4 MiB pieces, so
// the benchmark itself holds nothing large either.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { OciLayout, OCI_LAYER_TAR } from '../test/support/oci-layout.js';
import { join } from 'node:path';

const MiB = 1024 * 1024;
const TIME = '/usr/bin/time';

export interface AirGapFigures {
  layerBytes: number;
  runs: { tool: string; case: string; seconds: number; peakMiB: number }[];
}

/** An OCI layout at `dir` holding one image of one layer of `size` bytes, named v1. */
function writeLayout(dir: string, size: number): void {
  const layout = new OciLayout(dir);
  const piece = randomBytes(4 * MiB);
  const hash = createHash('sha256');
  const temporary = join(dir, 'blobs', 'layer.tmp');
  const fd = openSync(temporary, 'w');
  for (let written = 0; written < size; written += piece.length) {
    const part = piece.subarray(0, Math.min(piece.length, size - written));
    hash.update(part);
    writeSync(fd, part);
  }
  closeSync(fd);
  const digest = `sha256:${hash.digest('hex')}`;
  renameSync(temporary, join(dir, 'blobs', 'sha256', digest.slice(7)));
  const descriptor = { mediaType: OCI_LAYER_TAR, digest, size };
  layout.tag(
    layout.image({ platform: { os: 'linux', architecture: 'amd64' }, layers: [{ descriptor, diffId: digest }] }),
    'v1',
  );
}

/** Runs a command under GNU time: its wall time and its peak resident set. */
function measured(command: string, args: string[]): Promise<{ seconds: number; peakMiB: number }> {
  return new Promise((resolve, reject) => {
    execFile(TIME, ['-f', 'FERRY-TIME %e %M', command, ...args], { maxBuffer: 16 * MiB }, (error, _out, err) => {
      const line = /FERRY-TIME ([\d.]+) (\d+)/.exec(err);
      if (error || !line) reject(new Error(`${command} ${args.join(' ')} failed: ${err.slice(-2000)}`));
      else resolve({ seconds: Number(line[1]), peakMiB: Number(line[2]) / 1024 });
    });
  });
}

export async function benchAirGap(dir: string, ferryCli: string, layerBytes = 2048 * MiB): Promise<AirGapFigures> {
  if (!existsSync(TIME)) throw new Error('the air-gap benchmark needs GNU time: apt-get install -y time');
  const work = join(dir, 'air-gap');
  const source = join(work, 'source');
  writeLayout(source, layerBytes);
  const runs: AirGapFigures['runs'] = [];
  const cases: [string, string, string[]][] = [
    [
      'ferry',
      'oci: -> oci-archive:',
      [ferryCli, 'copy', '-q', `oci:${source}:v1`, `oci-archive:${join(work, 'ferry.tar')}:v1`],
    ],
    [
      'ferry',
      'oci-archive: -> oci:',
      [ferryCli, 'copy', '-q', `oci-archive:${join(work, 'ferry.tar')}:v1`, `oci:${join(work, 'back')}:v1`],
    ],
    [
      'skopeo',
      'oci: -> oci-archive:',
      ['--insecure-policy', 'copy', '-q', `oci:${source}:v1`, `oci-archive:${join(work, 'skopeo.tar')}:v1`],
    ],
    [
      'skopeo',
      'oci-archive: -> oci:',
      [
        '--insecure-policy',
        'copy',
        '-q',
        `oci-archive:${join(work, 'skopeo.tar')}:v1`,
        `oci:${join(work, 'skopeo-back')}:v1`,
      ],
    ],
  ];
  try {
    for (const [tool, name, args] of cases) {
      const figures = await measured(tool === 'ferry' ? process.execPath : 'skopeo', args);
      runs.push({ tool, case: name, ...figures });
      // Each output is read by the next case only: the disk holds at most three copies of the layer.
      if (name.startsWith('oci-archive'))
        rmSync(join(work, tool === 'ferry' ? 'back' : 'skopeo-back'), { recursive: true });
      if (name.startsWith('oci-archive')) rmSync(join(work, `${tool}.tar`));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { layerBytes, runs };
}
