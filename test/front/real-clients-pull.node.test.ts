// Real registry clients pull through the registry front, on Node and on workerd (`npm start`), with an
// API key as their password, and get the upstream's digests: skopeo (`copy --all` into an OCI layout),
// crane (`digest`, `validate --remote`, which reads every blob) and oras (an artifact's manifest, and
// the referrers of an image).

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { requireGoBinary } from '../support/binaries.js';
import { localRegistries } from '../support/configs.js';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';
import { skopeo } from '../support/skopeo.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const KEY = 'front-clients-key';
const run = promisify(execFile);

describe.each(['node', 'workerd'] as const)('through the front on %s', (runtime) => {
  let ferry: FerryProcess;
  let front: string;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-front-'));
  beforeAll(async () => {
    const sha256 = (await computeDigest(new TextEncoder().encode(KEY))).slice(7);
    ferry = await startFerry(
      {
        registries: localRegistries(source, target),
        front: { aliases: { local: { registry: source } } },
        callers: {
          apiKeys: [{ name: 'clients', sha256 }],
          grants: [{ apiKey: 'clients', actions: ['pull'], repositories: [`${source}/**`] }],
        },
      },
      {},
      undefined,
      runtime,
    );
    front = new URL(ferry.base).host;
  }, 90_000);
  afterAll(async () => {
    await ferry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('skopeo copies an index whole into an OCI layout, with the upstream’s digest', async () => {
    const layout = join(dir, `skopeo-${runtime}`);
    await skopeo([
      'copy',
      '--all',
      '--src-tls-verify=false',
      `--src-creds=anyone:${KEY}`,
      `docker://${front}/local/ferry-test/multiarch:v1`,
      `oci:${layout}:v1`,
    ]);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests[0]!.digest).toBe(fixture.skopeo.anonymous.multiarch!.digest);
  }, 60_000);

  it('skopeo logs in with an API key, and reads with what it stored', async () => {
    const authfile = join(dir, `skopeo-auth-${runtime}.json`);
    await skopeo(['login', '--tls-verify=false', '--authfile', authfile, '-u', 'anyone', '-p', KEY, front]);
    const raw = await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--authfile',
      authfile,
      `docker://${front}/local/ferry-test/v2s2:v1`,
    ]);
    expect(await computeDigest(new Uint8Array(raw))).toBe(fixture.skopeo.anonymous.v2s2!.digest);
  }, 60_000);

  it('crane reads every blob of an image and finds its digest', async () => {
    const env = { ...process.env, DOCKER_CONFIG: mkdtempSync(join(dir, 'crane-')) };
    const crane = (args: string[]) => run(requireGoBinary('crane'), [...args, '--insecure'], { env });
    await run(requireGoBinary('crane'), ['auth', 'login', front, '-u', 'anyone', '-p', KEY, '--insecure'], { env });
    const ref = `${front}/local/ferry-test/v2s2:v1`;
    expect((await crane(['digest', ref])).stdout.trim()).toBe(fixture.skopeo.anonymous.v2s2!.digest);
    await crane(['validate', '--remote', ref]);
  }, 60_000);

  it('oras fetches an artifact’s manifest and finds an image’s referrers', async () => {
    const oras = (args: string[]) =>
      run(requireGoBinary('oras'), [...args, '--plain-http', '-u', 'anyone', '-p', KEY], { maxBuffer: 16 << 20 });
    const artifact = fixture.shapes.find((s) => s.name === 'artifact')!;
    const fetched = await oras(['manifest', 'fetch', `${front}/local/${artifact.repository}:${artifact.tag}`]);
    expect(await computeDigest(new TextEncoder().encode(fetched.stdout))).toBe(artifact.digest);

    const referred = fixture.shapes.find((s) => s.name === 'referred')!;
    const found = await oras([
      'discover',
      '--format',
      'json',
      '--depth',
      '1',
      `${front}/local/${referred.repository}@${referred.digest}`,
    ]);
    const referrers = (JSON.parse(found.stdout) as { referrers?: { digest: string }[] }).referrers ?? [];
    expect(referrers.map((r) => r.digest)).toEqual([referred.referrer!.digest]);
  }, 60_000);
});
