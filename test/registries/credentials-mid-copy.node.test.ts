// A credential that dies in the middle of a copy: against a token-auth docker-registry whose token server
// honours expiry and revocation (enforced to the second by a gate in front of the registry: see
// registry-gate.ts), the token Ferry holds expires, or the cloud-issued password behind it is revoked,
// between opening a blob upload and sending its bytes. Ferry renews once and the copy completes byte-exact.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { startFakeAws } from '../support/fake-aws.js';
import { freePort } from '../support/ports.js';
import { startRegistry, type RunningRegistry } from '../support/registries.js';
import { makeService } from '../support/service.js';
import { startRegistryGate, tokenVerdicts, type TokenGate } from '../support/registry-gate.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const MULTIARCH = fixture.skopeo.anonymous.multiarch!;
const SERVICE = 'ferry-mid-copy';

let dir: string;
let tokens: TokenServer;
let registry: RunningRegistry;
let gate: TokenGate;
let tokenServer: string;
/** What the gate does after the registry answered a request: set by each test. */
let afterRequest: (method: string, path: string, status: number) => void = () => {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-mid-copy-'));
  const port = await freePort();
  tokenServer = `127.0.0.1:${port}`;
  const realm = `http://${tokenServer}/token`;
  tokens = await startTokenServer(
    { dir, issuer: 'mid-copy-issuer', service: SERVICE, users: { ferry: 'static-password-1' }, refreshTokens: {} },
    port,
  );
  registry = await startRegistry(dir, 'mid-copy', join(dir, 'storage'), {
    kind: 'token',
    realm,
    service: SERVICE,
    issuer: 'mid-copy-issuer',
    certPath: tokens.certPath,
  });
  gate = await startRegistryGate(registry.port, tokenVerdicts(tokens, { realm, service: SERVICE }), (req, status) =>
    afterRequest(req.method ?? 'GET', req.url ?? '', status),
  );
}, 60_000);

afterAll(async () => {
  await gate?.close();
  await registry?.stop();
  tokens?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Acts once, right after the registry opened the copy's first blob upload: before its bytes are sent. */
function onFirstUploadOpened(act: () => void): { fired: () => boolean } {
  let fired = false;
  afterRequest = (method, path, status) => {
    if (!fired && method === 'POST' && path.includes('/blobs/uploads/') && status === 202) {
      fired = true;
      act();
    }
  };
  return { fired: () => fired };
}

/** The dead credential was refused while a blob's bytes were on their way (the upload's PUT), and only for that reason. */
function expectRefusedMidUpload(before: number, verdict: 'expired' | 'revoked'): void {
  const refused = gate.refused.slice(before);
  expect(
    refused.some((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/')),
    JSON.stringify(refused),
  ).toBe(true);
  expect(new Set(refused.map((r) => r.verdict))).toEqual(new Set([verdict]));
}

const copyOf = async (service: ReturnType<typeof makeService>) => {
  const target = `${gate.host}/${uniqueRepository('mid-copy/app')}:v1`;
  return {
    ...(await runCopy(service, { source: `${source}/ferry-test/multiarch:v1`, target }, 'application/json')),
    target,
  };
};

it('a token that expires mid-copy is renewed once and the copy completes byte-exact', async () => {
  const service = makeService(
    {
      registries: {
        [source]: { insecure: true },
        [gate.host]: {
          insecure: true,
          authHosts: [tokenServer],
          credentials: { username: 'ferry', password: { secret: 'PASSWORD' } },
        },
      },
      copy: { concurrency: 1 },
    },
    { secrets: { PASSWORD: 'static-password-1' } },
  );
  const refusedBefore = gate.refused.length;
  let exchangesAtExpiry = 0;
  const trigger = onFirstUploadOpened(() => {
    exchangesAtExpiry = tokens.log.length;
    tokens.expireAll();
  });
  const copied = await copyOf(service);
  expect(copied.status, JSON.stringify(copied.final)).toBe(200);
  expect(trigger.fired()).toBe(true);
  // The expired token was refused mid-copy (the upload's PUT), then one new token served the rest.
  expectRefusedMidUpload(refusedBefore, 'expired');
  // Renewed once: no scope's token was asked for twice after the expiry (the upload's, the HEAD sent beside
  // it, and the cleanup of the abandoned upload each once).
  const asked = tokens.log.slice(exchangesAtExpiry).map((l) => l.scope.join(' '));
  expect(asked.length).toBeGreaterThan(0);
  expect(new Set(asked).size).toBe(asked.length);
  expect((await judge(fixture.judge, 'raw', copied.target, 'ferry:static-password-1')).raw).toBe(MULTIARCH.raw);
  expect((await judge(fixture.judge, 'copy-all', copied.target, 'ferry:static-password-1')).ok).toBe(true);
});

it('a cloud-issued password revoked mid-copy is renewed once at the cloud and the copy completes byte-exact', async () => {
  let issued = 0;
  const fake = await startFakeAws({
    issuer: 'unused',
    jwksUrl: 'http://127.0.0.1:9/unused',
    roleArn: 'arn:aws:iam::123456789012:role/unused',
    subject: 'unused',
    registry: () => {
      const password = `ecr-password-${++issued}-${crypto.randomUUID()}`;
      tokens.addUser('AWS', password);
      return { username: 'AWS', password };
    },
    staticKeys: { accessKeyId: 'AKIAMIDCOPYTEST00001', secretAccessKey: 'mid-copy-static-secret-0001' },
  });
  try {
    const service = makeService(
      {
        registries: {
          [source]: { insecure: true },
          [gate.host]: {
            insecure: true,
            authHosts: [tokenServer],
            credentials: {
              aws: {
                region: 'us-east-1',
                accessKeyId: { secret: 'KEY_ID' },
                secretAccessKey: { secret: 'SECRET' },
                endpoints: { sts: fake.stsUrl, ecr: fake.ecrUrl },
              },
            },
          },
        },
        copy: { concurrency: 1 },
      },
      { secrets: { KEY_ID: 'AKIAMIDCOPYTEST00001', SECRET: 'mid-copy-static-secret-0001' } },
    );
    const refusedBefore = gate.refused.length;
    const trigger = onFirstUploadOpened(() => tokens.revokeUser('AWS'));
    const copied = await copyOf(service);
    expect(copied.status, JSON.stringify(copied.final)).toBe(200);
    expect(trigger.fired()).toBe(true);
    expectRefusedMidUpload(refusedBefore, 'revoked');
    // Renewed once: a second GetAuthorizationToken, whose password served the rest of the copy.
    expect(fake.calls).toMatchObject({ sts: 0, ecr: 2, refused: [] });
    expect((await judge(fixture.judge, 'raw', copied.target, `ferry:static-password-1`)).raw).toBe(MULTIARCH.raw);
    const said = JSON.stringify(copied.final) + service.logs.join('\n');
    expect(said).not.toMatch(/ecr-password-/);
  } finally {
    await fake.close();
  }
});
