// User-experience review v2, frictions 5 and 11 and the everyday verbs: what crane and skopeo users
// type every day, run through the executable against real registries and judged by crane itself.
// `digest` (crane digest), `tag` (crane tag: a new tag, no byte moved), `delete` (the registry's own delete
// API; distribution 2.8 deletes only by digest, so a tag delete that would take other tags along is refused),
// `copy --no-clobber` (crane's), and the lowercase-name error the API gives.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { requireGoBinary } from '../support/binaries.js';
import { uniqueRepository } from '../support/copying.js';
import { runFerry } from '../support/ferry-cli.js';
import { startRegistry, type RunningRegistry } from '../support/registries.js';
import { startRegistryGate, type TokenGate } from '../support/registry-gate.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const distribution3 = fixture.implementations['distribution-3'].host;
const multiarch = `${source}/ferry-test/multiarch:v1`;
const releaseA = `${source}/ferry-test/release-a:v1`;

let home: string;
let gate: TokenGate;
let oddListing: { path: string; tags: string[] } | undefined;
const seen: string[] = [];
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ferry-verbs-home-'));
  // Every request the target registry gets through this gate is written down, to show what a verb sent.
  gate = await startRegistryGate(
    Number(target.split(':')[1]),
    // A hostile listing when a test sets one: the registry's tag list answered with names no tag can be.
    (req) =>
      oddListing && req.url?.startsWith(oddListing.path)
        ? {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'listed', tags: oddListing.tags }),
            verdict: 'odd listing',
          }
        : undefined,
    (req) => seen.push(`${req.method} ${req.url}`),
  );
});
afterAll(async () => {
  rmSync(home, { recursive: true, force: true });
  await gate?.close();
});

const ferry = (...args: string[]) => runFerry(args, { home });
/**
 * crane's own answer: the digest a reference names, or undefined where the registry has none. Asked of the
 * registry itself, not through the gate (which speaks no TLS for crane's first try).
 */
function craneDigest(reference: string, platform?: string): string | undefined {
  const direct = reference.startsWith(`${gate.host}/`) ? `${target}${reference.slice(gate.host.length)}` : reference;
  try {
    const args = ['digest', '--insecure', ...(platform ? ['--platform', platform] : []), direct];
    return execFileSync(requireGoBinary('crane'), args, { encoding: 'utf8', stdio: 'pipe', timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}
async function copied(from: string, to: string): Promise<string> {
  const run = await ferry('copy', from, to);
  expect(run.code, run.stderr).toBe(0);
  return craneDigest(to)!;
}

it('a name with upper case is refused as the API refuses it: "must be lowercase" (exit 2)', async () => {
  for (const args of [
    ['inspect', 'ghcr.io/Acme/app:1'],
    ['tags', 'ghcr.io/Acme/app'],
    ['copy', `${source}/Team/App:1`, `${target}/team/app:1`],
  ]) {
    const run = await ferry(...args);
    expect([run.code, run.stderr]).toEqual([2, expect.stringContaining('repository name must be lowercase')]);
  }
});

it('digest prints the digest crane digest prints, of the index or of one platform', async () => {
  const run = await ferry('digest', multiarch);
  expect([run.code, run.stdout]).toEqual([0, `${craneDigest(multiarch)}\n`]);
  const arm = await ferry('digest', multiarch, '--platform', 'linux/arm64');
  expect([arm.code, arm.stdout]).toEqual([0, `${craneDigest(multiarch, 'linux/arm64')}\n`]);
  expect(arm.stdout).not.toBe(run.stdout);
  const missing = await ferry('digest', `${source}/ferry-test/multiarch:nope`);
  expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('NOT_FOUND')]);
});

it('tag gives an image a second tag in its repository without moving a byte', async () => {
  const repository = `${gate.host}/${uniqueRepository('verbs/tag')}`;
  const digest = await copied(multiarch, `${repository}:v1`);
  seen.length = 0;
  const run = await ferry('tag', `${repository}:v1`, 'stable');
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toBe(`${repository}@${digest} tagged stable\n`);
  expect(craneDigest(`${repository}:stable`)).toBe(digest);
  // The manifest read and written under the new tag; no blob asked for, uploaded or mounted.
  expect(seen.filter((r) => r.includes('/blobs/'))).toEqual([]);
  expect(seen.filter((r) => r.startsWith('PUT '))).toEqual([
    `PUT /v2/${repository.slice(gate.host.length + 1)}/manifests/stable`,
  ]);
  const bad = await ferry('tag', `${repository}:v1`, '-bad tag');
  expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('tag')]);
});

describe('delete', () => {
  it("deletes a tag with the registry's own API where it deletes tags (distribution 3), and the other tags stay", async () => {
    const repository = `${distribution3}/${uniqueRepository('verbs/delete')}`;
    const digest = await copied(multiarch, `${repository}:a`);
    await copied(multiarch, `${repository}:b`);
    const run = await ferry('delete', `${repository}:a`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`deleted ${repository}:a (${digest})\n`);
    expect([craneDigest(`${repository}:a`), craneDigest(`${repository}:b`)]).toEqual([undefined, digest]);
  });

  it('where a registry deletes only by digest (distribution 2.8), a tag whose digest has other tags is refused', async () => {
    const repository = `${target}/${uniqueRepository('verbs/delete28')}`;
    const digest = await copied(multiarch, `${repository}:a`);
    await copied(multiarch, `${repository}:b`);
    const refused = await ferry('delete', `${repository}:a`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('DELETE_WOULD_REMOVE_TAGS');
    expect(refused.stderr).toContain('also named b');
    expect([craneDigest(`${repository}:a`), craneDigest(`${repository}:b`)]).toEqual([digest, digest]);
    // A digest with one tag: deleting the tag is deleting the digest, which takes nothing else along.
    const alone = await copied(releaseA, `${repository}:c`);
    const run = await ferry('delete', `${repository}:c`);
    expect([run.code, run.stdout]).toEqual([0, `deleted ${repository}:c (${alone})\n`]);
    expect(craneDigest(`${repository}:c`)).toBeUndefined();
    // By digest, the manifest goes with every tag on it, as the registry's API deletes it.
    const all = await ferry('delete', `${repository}@${digest}`);
    expect(all.code, all.stderr).toBe(0);
    expect([craneDigest(`${repository}:a`), craneDigest(`${repository}:b`)]).toEqual([undefined, undefined]);
  });

  it('a name the registry lists that no tag can be is passed over, not a reason to fail a delete', async () => {
    const repository = uniqueRepository('verbs/oddlist');
    const alone = await copied(releaseA, `${gate.host}/${repository}:c`);
    oddListing = { path: `/v2/${repository}/tags/list`, tags: ['c', 'not a tag!', '../escape'] };
    try {
      const run = await ferry('delete', `${gate.host}/${repository}:c`);
      expect([run.code, run.stderr, run.stdout]).toEqual([0, '', `deleted ${gate.host}/${repository}:c (${alone})\n`]);
    } finally {
      oddListing = undefined;
    }
    expect(craneDigest(`${target}/${repository}:c`)).toBeUndefined();
  });

  it('a registry that disables deletes gets a refusal that says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-nodelete-'));
    let registry: RunningRegistry | undefined;
    try {
      registry = await startRegistry(
        dir,
        'no-delete',
        join(dir, 'storage'),
        { kind: 'anonymous' },
        { allowDelete: false },
      );
      const reference = `${registry.host}/${uniqueRepository('verbs/nodelete')}:a`;
      const digest = await copied(releaseA, reference);
      const run = await ferry('delete', reference);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('DELETE_UNSUPPORTED');
      expect(run.stderr).toContain(`${registry.host} does not allow deletes`);
      expect(craneDigest(reference)).toBe(digest);
    } finally {
      await registry?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('copy --no-clobber', () => {
  it('refuses to move a tag that names another image, and writes nothing', async () => {
    const repository = `${gate.host}/${uniqueRepository('verbs/noclobber')}`;
    const digest = await copied(multiarch, `${repository}:v1`);
    seen.length = 0;
    const refused = await ferry('copy', releaseA, `${repository}:v1`, '--no-clobber');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`TAG_EXISTS: ${repository}:v1 names ${digest} already`);
    expect(seen.filter((r) => !r.startsWith('GET ') && !r.startsWith('HEAD '))).toEqual([]);
    expect(craneDigest(`${repository}:v1`)).toBe(digest);
    // The same image again is no clobbering: nothing to do.
    const same = await ferry('copy', multiarch, `${repository}:v1`, '--no-clobber');
    expect(same.code, same.stderr).toBe(0);
  });

  it('with --all-tags, copies the tags the target lacks and leaves those it has', async () => {
    const from = `${target}/${uniqueRepository('verbs/noclobber-from')}`;
    await copied(multiarch, `${from}:v1`);
    const v2 = await copied(releaseA, `${from}:v2`);
    const repository = `${target}/${uniqueRepository('verbs/noclobber-all')}`;
    const kept = await copied(releaseA, `${repository}:v1`);
    const run = await ferry('copy', '--all-tags', from, repository, '--no-clobber');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('v1 skipped: the target has this tag');
    expect([craneDigest(`${repository}:v1`), craneDigest(`${repository}:v2`)]).toEqual([kept, v2]);
  });
});
