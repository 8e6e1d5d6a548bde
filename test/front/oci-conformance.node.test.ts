// The OCI distribution-spec's own conformance suite (built by .ci/run from the Go module proxy at the
// version .ci/go-peers.tsv pins) judges the registry front in read-only mode, on Node and on workerd, with
// an API key as its password. Its data is preloaded into the upstream with skopeo. The suite exits 0 even
// when its setup fails: its junit.xml must exist, with tests and no failure.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { computeDigest } from '../../src/registry/digest.js';
import { requireGoBinary } from '../support/binaries.js';
import { localRegistries } from '../support/configs.js';
import { uniqueRepository } from '../support/copying.js';
import { startFerry, type FerryProcess } from '../support/ferry-process.js';
import { skopeo } from '../support/skopeo.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const KEY = 'conformance-key';
const repository = uniqueRepository('conformance');

/** What the suite is told is there: the tags, manifests and blobs of an index of two images, preloaded. */
async function preload(): Promise<Record<string, string>> {
  await skopeo([
    'copy',
    '--all',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${source}/ferry-test/multiarch:v1`,
    `docker://${target}/${repository}:v1`,
  ]);
  const multiarch = fixture.skopeo.anonymous.multiarch!;
  const index = JSON.parse(atob(multiarch.raw)) as { manifests: { digest: string }[] };
  const image = fixture.skopeo.anonymous.v2s2!;
  await skopeo([
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${source}/ferry-test/v2s2:v1`,
    `docker://${target}/${repository}:v2s2`,
  ]);
  const manifest = JSON.parse(atob(image.raw)) as { config: { digest: string }; layers: { digest: string }[] };
  return {
    OCI_RO_DATA_TAGS: 'v1 v2s2',
    OCI_RO_DATA_MANIFESTS: [multiarch.digest, ...index.manifests.map((m) => m.digest), image.digest].join(' '),
    OCI_RO_DATA_BLOBS: [manifest.config.digest, ...manifest.layers.map((l) => l.digest)].join(' '),
    OCI_RO_DATA_REFERRERS: image.digest,
  };
}

/** Tests, failures and errors summed over the report's suites (the suites' element leaves zeros out). */
function junitCounts(xml: string): { tests: number; failures: number; errors: number } {
  const counts = { tests: 0, failures: 0, errors: 0 };
  for (const [suite] of xml.matchAll(/<testsuite\s[^>]*>/g))
    for (const name of ['tests', 'failures', 'errors'] as const)
      counts[name] += Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  return counts;
}

describe.each(['node', 'workerd'] as const)(
  'the OCI conformance suite, read-only, against the front on %s',
  (runtime) => {
    let ferry: FerryProcess;
    let data: Record<string, string>;
    const results = mkdtempSync(join(tmpdir(), 'ferry-conformance-'));
    beforeAll(async () => {
      data ??= await preload();
      const sha256 = (await computeDigest(new TextEncoder().encode(KEY))).slice(7);
      ferry = await startFerry(
        {
          registries: localRegistries(source, target),
          front: { aliases: { conf: { registry: target } } },
          callers: {
            apiKeys: [{ name: 'conformance', sha256 }],
            grants: [{ apiKey: 'conformance', actions: ['pull'], repositories: [`${target}/conformance-*`] }],
          },
        },
        {},
        undefined,
        runtime,
      );
    }, 120_000);
    afterAll(async () => {
      await ferry?.stop();
      rmSync(results, { recursive: true, force: true });
    });

    /** One run of the suite, `filter` naming the branch it runs (all of them without). */
    async function runSuite(filter?: string) {
      const dir = mkdtempSync(join(results, 'run-'));
      const env: Record<string, string | undefined> = {
        ...process.env,
        OCI_REGISTRY: new URL(ferry.base).host,
        OCI_TLS: 'disabled',
        OCI_REPO1: `conf/${repository}`,
        OCI_REPO2: `conf/${repository}`,
        OCI_USERNAME: 'conformance',
        OCI_PASSWORD: KEY,
        OCI_RESULTS_DIR: dir,
        OCI_API_PUSH: 'false',
        OCI_API_BLOBS_DELETE: 'false',
        OCI_API_MANIFESTS_DELETE: 'false',
        OCI_API_TAGS_DELETE: 'false',
        OCI_LOG: 'warn',
        ...(filter ? { OCI_FILTER_TEST: filter } : {}),
        ...data,
      };
      const run = await promisify(execFile)(requireGoBinary('conformance'), [], { env, cwd: dir, maxBuffer: 64 << 20 })
        .then((r) => ({ ...r, code: 0 }))
        .catch((e: { stdout: string; stderr: string; code: number }) => e);
      let junit: string | undefined;
      try {
        junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
      } catch {
        junit = undefined;
      }
      return { ...run, junit };
    }

    it('passes its read-only branch: junit.xml holds tests and no failure', async () => {
      const run = await runSuite('OCI Conformance Test/read-only');
      if (!run.junit) throw new Error(`the suite wrote no junit.xml (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
      const counts = junitCounts(run.junit);
      console.log(`OCI conformance (read-only branch) on ${runtime}: ${JSON.stringify(counts)}`);
      const failed = [
        ...run.junit.matchAll(/<testcase[^>]*name="([^"]+)"[^>]*>\s*<failure[^>]*message="([^"]*)"/g),
      ].map((m) => `${m[1]}: ${m[2]}`);
      expect(failed, failed.join('\n')).toEqual([]);
      expect(counts.tests).toBeGreaterThan(0);
      expect(counts.failures + counts.errors).toBe(0);
    }, 300_000);

    it('passes every branch read-only mode runs, by its printed summary', async () => {
      const run = await runSuite();
      console.log(`OCI conformance (all of read-only mode) on ${runtime}:\n${run.stdout}`);
      const lines = run.stdout.split('\n').filter((l) => /\.{3,}:/.test(l));
      const failing = lines.filter((l) => /:\s+(FAIL|Error)\s*$/.test(l));
      expect(failing, run.stdout + run.stderr).toEqual([]);
      for (const api of [
        'Ping',
        'Tag listing',
        'Blob get',
        'Manifest get by digest',
        'Manifest get by tag',
        'Referrers',
      ])
        expect(
          lines.find((l) => l.trim().startsWith(`${api}.`)),
          run.stdout,
        ).toMatch(/:\s+Pass\s*$/);
    }, 300_000);
  },
);
