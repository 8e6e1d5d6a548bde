// Vitest global setup: real registries on 127.0.0.1 (anonymous, htpasswd, token), the token server,
// a fault proxy, the test images pushed with skopeo, and skopeo's own view of them as the oracle.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { requireBinary } from './binaries.js';
import { startFaultProxy } from './fault-proxy.js';
import type { AuthMode, Fixture, SkopeoImageView, SkopeoView } from './fixture.js';
import { freePort } from './ports.js';
import { startGgcrRegistry, startRegistry, type RunningRegistry } from './registries.js';
import { skopeoCopy, skopeoInspect, type SkopeoAuth } from './skopeo.js';
import { buildTestImages, pushTestImage, type TestImage } from './test-images.js';
import { buildShapes, pushShape } from './shape-images.js';
import { pushBulkImages } from './bulk-images.js';
import { startTokenServer } from './token-server.js';
import { startJudge } from './judge.js';
import { startCanary, startJwksServer } from './oidc.js';
import { OciLayout } from './oci-layout.js';

/** Closes a server now, open connections included (a fault may hold one open on purpose). */
function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const USER = 'ferry';
const PASSWORD = 'test-password-7f3a';
const REFRESH_TOKEN = 'test-refresh-token-91c2';
const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

async function observe(host: string, repository: string, tag: string, auth: SkopeoAuth): Promise<SkopeoView> {
  const raw = await skopeoInspect(`${host}/${repository}:${tag}`, auth, 'raw');
  const doc = JSON.parse(raw.toString());
  const images: Record<string, SkopeoImageView> = {};
  const walk = async (manifest: any): Promise<void> => {
    await Promise.all(
      (manifest.manifests ?? []).map(async (child: { digest: string; mediaType: string }) => {
        const ref = `${host}/${repository}@${child.digest}`;
        const childRaw = await skopeoInspect(ref, auth, 'raw');
        if (INDEX_TYPES.includes(child.mediaType)) return walk(JSON.parse(childRaw.toString()));
        images[child.digest] = await imageView(ref, child.digest, childRaw, auth);
      }),
    );
  };
  const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  if (INDEX_TYPES.includes(doc.mediaType)) await walk(doc);
  else images[digest] = await imageView(`${host}/${repository}@${digest}`, digest, raw, auth);
  return { digest, mediaType: doc.mediaType, raw: raw.toString('base64'), images };
}

async function imageView(ref: string, digest: string, raw: Buffer, auth: SkopeoAuth): Promise<SkopeoImageView> {
  const [summary, config] = await Promise.all([
    skopeoInspect(ref, auth, 'summary'),
    skopeoInspect(ref, auth, 'config'),
  ]);
  return {
    digest,
    raw: raw.toString('base64'),
    summary: JSON.parse(summary.toString()),
    config: JSON.parse(config.toString()),
  };
}

const BROKEN_REPOSITORY = 'ferry-test/broken';
let brokenMissingBlob = '';

/** An image whose second layer the registry no longer has (deleted after the push). */
async function pushBrokenImage(host: string, root: string): Promise<void> {
  const layout = new OciLayout(join(root, 'broken'));
  const missing = layout.layer([['gone', 'this layer will be deleted from the registry\n']]);
  const image = layout.image({
    platform: { os: 'linux', architecture: 'amd64' },
    layers: [layout.layer([['kept', 'kept\n']]), missing],
  });
  layout.tag(image, 'v1');
  await skopeoCopy(`oci:${layout.dir}:v1`, `docker://${host}/${BROKEN_REPOSITORY}:v1`);
  const res = await fetch(`http://${host}/v2/${BROKEN_REPOSITORY}/blobs/${missing.descriptor.digest}`, {
    method: 'DELETE',
  });
  if (res.status !== 202) throw new Error(`could not delete a blob for the broken image: ${res.status}`);
  brokenMissingBlob = missing.descriptor.digest;
}

/** Runs a build step in the project's root; its output only when it fails. */
function buildStep(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = spawn(command, args, {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    step.stdout!.on('data', (c) => (output += c));
    step.stderr!.on('data', (c) => (output += c));
    step.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed:\n${output}`)),
    );
  });
}

// The Node entry (tsc) and the `ferry` executable (bundled, as `npm ci`'s prepare builds it).
const compileEntries = () =>
  Promise.all([
    buildStep('npx', ['tsc', '-p', 'entries']),
    buildStep(process.execPath, ['scripts/build-cli.mjs']),
  ]).then(() => undefined);

export default async function setup(project: TestProject) {
  for (const binary of ['docker-registry', 'skopeo', 'htpasswd', 'openssl']) requireBinary(binary);
  const dir = mkdtempSync(join(tmpdir(), 'ferry-test-'));
  const storage = join(dir, 'storage');
  const targetStorage = join(dir, 'target-storage');
  const stoppers: (() => Promise<void>)[] = [];
  // The Node entry and the command line compiled once, while the registries start: tests that run
  // `npm run start:node` or `ferry` then find nothing to rebuild, and none writes dist/ while another reads it.
  const entries = compileEntries();
  try {
    const tokenPort = await freePort();
    const service = 'ferry-test-registry';
    const issuer = 'ferry-test-issuer';
    const token = await startTokenServer(
      { dir, issuer, service, users: { [USER]: PASSWORD, flaky: PASSWORD }, refreshTokens: { [REFRESH_TOKEN]: USER } },
      tokenPort,
    );
    stoppers.push(() => closeServer(token.server));

    const started: RunningRegistry[] = await Promise.all([
      startRegistry(dir, 'anonymous', storage, { kind: 'anonymous' }),
      startRegistry(dir, 'basic', storage, { kind: 'htpasswd', users: { [USER]: PASSWORD } }),
      startRegistry(dir, 'token', storage, {
        kind: 'token',
        realm: `http://127.0.0.1:${tokenPort}/token`,
        service,
        issuer,
        certPath: token.certPath,
      }),
      startRegistry(dir, 'empty', join(dir, 'empty-storage'), { kind: 'anonymous' }),
      // Copy targets: a second storage behind the same three kinds of auth.
      startRegistry(dir, 'target-anonymous', targetStorage, { kind: 'anonymous' }),
      startRegistry(dir, 'target-basic', targetStorage, { kind: 'htpasswd', users: { [USER]: PASSWORD } }),
      startRegistry(dir, 'target-token', targetStorage, {
        kind: 'token',
        realm: `http://127.0.0.1:${tokenPort}/token`,
        service,
        issuer,
        certPath: token.certPath,
      }),
      startRegistry(dir, 'read-only', join(dir, 'read-only-storage'), { kind: 'anonymous' }, { readOnly: true }),
    ]);
    for (const r of started) stoppers.push(() => r.stop());
    const [anonymous, basic, tokenRegistry, empty, targetAnonymous, targetBasic, targetToken, readOnly] =
      started as RunningRegistry[] as [
        RunningRegistry,
        RunningRegistry,
        RunningRegistry,
        RunningRegistry,
        RunningRegistry,
        RunningRegistry,
        RunningRegistry,
        RunningRegistry,
      ];
    const judge = await startJudge(dir, await freePort());
    stoppers.push(() => closeServer(judge));
    const jwks = await startJwksServer(await freePort());
    stoppers.push(() => closeServer(jwks.server));
    const canaryPort = await freePort();
    const canaryReportPort = await freePort();
    const canary = await startCanary(canaryPort, canaryReportPort);
    for (const server of canary.servers) stoppers.push(() => closeServer(server));
    const proxy = await startFaultProxy(anonymous.port, await freePort(), await freePort());
    const targetProxy = await startFaultProxy(targetAnonymous.port, await freePort(), await freePort());
    stoppers.push(() => closeServer(targetProxy.server));
    stoppers.push(() => closeServer(targetProxy.storage.server));
    stoppers.push(() => closeServer(proxy.server));
    stoppers.push(() => closeServer(proxy.storage.server));

    const images = buildTestImages(join(dir, 'layouts'));
    const others = await Promise.all([
      startRegistry(
        dir,
        'distribution-3',
        join(dir, 'distribution-3-storage'),
        { kind: 'anonymous' },
        {
          implementation: 'distribution-3',
        },
      ),
      startGgcrRegistry('go-containerregistry', join(dir, 'ggcr-storage')),
    ]);
    for (const r of others) stoppers.push(() => r.stop());
    const [distribution3, ggcr] = others as [RunningRegistry, RunningRegistry];
    const shapes = buildShapes();
    await Promise.all(
      [anonymous, distribution3, ggcr].flatMap((r) => [
        ...images.map((image) => pushTestImage(r.host, image)),
        ...shapes.map((shape) => pushShape(r.host, shape)),
      ]),
    );
    await pushBrokenImage(empty.host, join(dir, 'layouts'));
    const bulk = await pushBulkImages(anonymous.host);

    const registries: Fixture['registries'] = {
      anonymous: { host: anonymous.host },
      basic: { host: basic.host, username: USER, password: PASSWORD },
      token: { host: tokenRegistry.host, username: USER, password: PASSWORD, authHosts: [`127.0.0.1:${tokenPort}`] },
    };
    const skopeo = {} as Fixture['skopeo'];
    await Promise.all(
      (Object.keys(registries) as AuthMode[]).map(async (mode) => {
        const r = registries[mode];
        const auth = r.username ? { creds: `${r.username}:${r.password}` } : {};
        const views = await Promise.all(images.map((image) => observe(r.host, image.repository, image.tag, auth)));
        skopeo[mode] = Object.fromEntries(images.map((image, i) => [image.name, views[i]!]));
      }),
    );

    const fixture: Fixture = {
      registries,
      targets: {
        anonymous: { host: targetAnonymous.host },
        basic: { host: targetBasic.host, username: USER, password: PASSWORD },
        token: { host: targetToken.host, username: USER, password: PASSWORD, authHosts: [`127.0.0.1:${tokenPort}`] },
      },
      readOnlyRegistry: readOnly.host,
      judge: `127.0.0.1:${(judge.address() as { port: number }).port}`,
      brokenImage: { repository: BROKEN_REPOSITORY, tag: 'v1', missingBlob: brokenMissingBlob },
      oidc: jwks.fixture,
      canary: { port: canaryPort, report: `127.0.0.1:${canaryReportPort}` },
      faultProxy: proxy.host,
      targetFaultProxy: targetProxy.host,
      blobStorage: proxy.storage.host,
      emptyRegistry: empty.host,
      token: { refreshToken: REFRESH_TOKEN, server: `127.0.0.1:${tokenPort}` },
      images: images.map(({ name, repository, tag }) => ({ name, repository, tag })),
      shapes: shapes.map((s) => s.fixture),
      bulk,
      implementations: { 'distribution-3': { host: distribution3.host }, 'go-containerregistry': { host: ggcr.host } },
      load: {
        repositories: Number(process.env.FERRY_LOAD_REPOSITORIES ?? 3),
        tags: Number(process.env.FERRY_LOAD_TAGS ?? 230),
      },
      skopeo,
    };
    await entries;
    project.provide('fixture', fixture);
  } catch (error) {
    for (const stop of stoppers.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return async () => {
    for (const stop of stoppers.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
