// Issue 33, air-gap transports: `ferry copy` reads and writes skopeo's oci:DIR[:ref], oci-archive:FILE[:ref]
// and docker-archive:FILE[:name:tag] in local mode. Judged by the peers both ways: what Ferry writes, skopeo
// and crane read back byte-exact (docker-archive by content: it holds uncompressed layers, so its manifest
// digests differ, as skopeo's do); what skopeo and crane write, Ferry copies to a registry byte-exact.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { requireBinary, requireGoBinary } from '../support/binaries.js';
import { uniqueRepository } from '../support/copying.js';
import { runFerry } from '../support/ferry-cli.js';
import { skopeo } from '../support/skopeo.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const multiarch = `${source}/ferry-test/multiarch:v1`;

let home: string;
let work: string;
beforeAll(() => {
  requireBinary('skopeo');
  home = mkdtempSync(join(tmpdir(), 'ferry-airgap-home-'));
  work = mkdtempSync(join(tmpdir(), 'ferry-airgap-'));
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const ferry = (...args: string[]) => runFerry(args, { home });
const crane = (...args: string[]) =>
  execFileSync(requireGoBinary('crane'), args, { stdio: 'pipe', timeout: 60_000, maxBuffer: 64 << 20 });
const craneText = (...args: string[]) =>
  crane(...args)
    .toString('utf8')
    .trim();
const digestOf = (reference: string) => craneText('digest', '--insecure', reference);
const manifestOf = (reference: string) => craneText('manifest', '--insecure', reference);
/** The image's files as crane flattens them: equal when two images hold the same content. */
const filesOf = (reference: string, platform?: string) =>
  createHash('sha256')
    .update(crane('export', '--insecure', ...(platform ? ['--platform', platform] : []), reference, '-'))
    .digest('hex');
const configOf = (reference: string, platform?: string) =>
  craneText('config', '--insecure', ...(platform ? ['--platform', platform] : []), reference);
const path = (name: string) => join(work, name);
const targetRef = (tag = 'v1') => `${target}/${uniqueRepository('airgap')}:${tag}`;

it('oci:DIR[:ref] written by ferry is read back byte-exact by skopeo and by crane', async () => {
  const dir = path('ferry-layout');
  const run = await ferry('copy', multiarch, `oci:${dir}:v1`);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain(`oci:${dir}@${digestOf(multiarch)}`);
  expect((await skopeo(['inspect', '--raw', `oci:${dir}:v1`])).toString()).toBe(manifestOf(multiarch));
  // crane pushes a layout holding one image (here an index) as it is.
  const byCrane = targetRef();
  crane('push', '--insecure', dir, byCrane);
  expect(digestOf(byCrane)).toBe(digestOf(multiarch));
  const bySkopeo = targetRef();
  await skopeo([
    'copy',
    '--all',
    '--preserve-digests',
    '--dest-tls-verify=false',
    `oci:${dir}:v1`,
    `docker://${bySkopeo}`,
  ]);
  expect(digestOf(bySkopeo)).toBe(digestOf(multiarch));
});

it('a layout written by skopeo or by crane goes to a registry byte-exact, by ref or as its one image', async () => {
  const bySkopeo = path('skopeo-layout');
  await skopeo([
    'copy',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    `docker://${multiarch}`,
    `oci:${bySkopeo}:v1`,
  ]);
  const first = targetRef();
  const run = await ferry('copy', `oci:${bySkopeo}:v1`, first);
  expect(run.code, run.stderr).toBe(0);
  expect(manifestOf(first)).toBe(manifestOf(multiarch));

  const byCrane = path('crane-layout');
  crane('pull', '--insecure', '--format=oci', multiarch, byCrane);
  const second = targetRef();
  const fromCrane = await ferry('copy', `oci:${byCrane}`, second);
  expect(fromCrane.code, fromCrane.stderr).toBe(0);
  expect(digestOf(second)).toBe(digestOf(multiarch));

  const missing = await ferry('copy', `oci:${bySkopeo}:v2`, targetRef());
  expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('v2')]);
  expect(missing.stderr).toContain('v1'); // what the layout holds
});

it('oci-archive:FILE round trips byte-exact through skopeo both ways, and crane reads its files', async () => {
  const archive = path('ferry.tar');
  const run = await ferry('copy', multiarch, `oci-archive:${archive}:v1`);
  expect(run.code, run.stderr).toBe(0);
  const bySkopeo = targetRef();
  await skopeo([
    'copy',
    '--all',
    '--preserve-digests',
    '--dest-tls-verify=false',
    `oci-archive:${archive}:v1`,
    `docker://${bySkopeo}`,
  ]);
  expect(digestOf(bySkopeo)).toBe(digestOf(multiarch));
  const unpacked = path('ferry-archive-unpacked');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xf', archive, '-C', unpacked]);
  const byCrane = targetRef();
  crane('push', '--insecure', unpacked, byCrane);
  expect(digestOf(byCrane)).toBe(digestOf(multiarch));
  // Only the archive: no work directory is left beside it.
  expect(readdirSync(work).filter((n) => n.startsWith('ferry.tar') || n.startsWith('.ferry.tar'))).toEqual([
    'ferry.tar',
  ]);

  const fromSkopeo = path('skopeo.tar');
  await skopeo([
    'copy',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    `docker://${multiarch}`,
    `oci-archive:${fromSkopeo}:v1`,
  ]);
  const back = targetRef();
  const read = await ferry('copy', `oci-archive:${fromSkopeo}:v1`, back);
  expect(read.code, read.stderr).toBe(0);
  expect(manifestOf(back)).toBe(manifestOf(multiarch));
});

it('docker-archive holds one platform with uncompressed layers: same config and files, judged by skopeo', async () => {
  const platform = 'linux/amd64';
  const archive = path('ferry-docker.tar');
  const run = await ferry('copy', '--platform', platform, multiarch, `docker-archive:${archive}:ferry/app:v1`);
  expect(run.code, run.stderr).toBe(0);
  const summary = JSON.parse((await skopeo(['inspect', `docker-archive:${archive}`])).toString()) as {
    Layers: string[];
  };
  const config = JSON.parse(configOf(multiarch, platform)) as { rootfs: { diff_ids: string[] } };
  expect(summary.Layers).toEqual(config.rootfs.diff_ids); // uncompressed: each layer's digest is its diff id
  const throughSkopeo = targetRef();
  await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${throughSkopeo}`]);
  expect(configOf(throughSkopeo)).toBe(configOf(multiarch, platform));
  expect(filesOf(throughSkopeo)).toBe(filesOf(multiarch, platform));

  const bySkopeo = path('skopeo-docker.tar');
  await skopeo([
    'copy',
    '--override-arch',
    'amd64',
    '--override-os',
    'linux',
    '--src-tls-verify=false',
    `docker://${multiarch}`,
    `docker-archive:${bySkopeo}:ferry/app:v1`,
  ]);
  const back = targetRef();
  const read = await ferry('copy', `docker-archive:${bySkopeo}`, back);
  expect(read.code, read.stderr).toBe(0);
  expect(configOf(back)).toBe(configOf(multiarch, platform));
  expect(filesOf(back)).toBe(filesOf(multiarch, platform));
});

it('nothing is written when a copy to a layout or an archive fails or is a dry run', async () => {
  const layout = path('kept-layout');
  expect((await ferry('copy', multiarch, `oci:${layout}:v1`)).code).toBe(0);
  const indexBefore = readFileSync(join(layout, 'index.json'), 'utf8');
  const blobsBefore = readdirSync(join(layout, 'blobs', 'sha256')).sort();
  const missing = await ferry('copy', `${source}/ferry-test/multiarch:nope`, `oci:${layout}:v9`);
  expect(missing.code).toBe(1);
  expect(readFileSync(join(layout, 'index.json'), 'utf8')).toBe(indexBefore);
  expect(readdirSync(join(layout, 'blobs', 'sha256')).sort()).toEqual(blobsBefore);

  const onePlatform = await ferry('copy', multiarch, `docker-archive:${path('many.tar')}`);
  expect([onePlatform.code, onePlatform.stderr]).toEqual([2, expect.stringContaining('--platform')]);
  expect(onePlatform.stderr).toContain('linux/arm64');
  expect(existsSync(path('many.tar'))).toBe(false);

  const dry = await ferry('copy', '--dry-run', multiarch, `oci-archive:${path('dry.tar')}:v1`);
  expect(dry.code, dry.stderr).toBe(0);
  expect(existsSync(path('dry.tar'))).toBe(false);
  expect(readdirSync(work).filter((n) => n.includes('dry'))).toEqual([]);

  const remote = await runFerry(['copy', multiarch, `oci:${path('remote')}`], {
    home,
    env: { FERRY_URL: 'http://127.0.0.1:9' },
  });
  expect([remote.code, remote.stderr]).toEqual([2, expect.stringContaining('local')]);
});
