// GHCR through a GitHub App (experimental): the App's key (PKCS #1, as GitHub gives it) signs a JWT that
// the fake GitHub API checks as GitHub documents and trades for an installation token, which the real
// token-auth docker-registry's token server accepts as "x-access-token"'s password. A PAT or an Actions
// GITHUB_TOKEN needs nothing new: stored credentials (README).

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { startFakeGithub } from '../support/fake-github.js';
import { freePort } from '../support/ports.js';
import { startRegistry, type RunningRegistry } from '../support/registries.js';
import { makeService } from '../support/service.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const APP_ID = '123456';
const INSTALLATION = '987654321';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let dir: string;
let tokens: TokenServer;
let registry: RunningRegistry;
let tokenServer: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-ghcr-'));
  const port = await freePort();
  tokenServer = `127.0.0.1:${port}`;
  tokens = await startTokenServer(
    { dir, issuer: 'ghcr-issuer', service: 'ghcr-test', users: {}, refreshTokens: {} },
    port,
  );
  registry = await startRegistry(dir, 'ghcr', join(dir, 'storage'), {
    kind: 'token',
    realm: `http://127.0.0.1:${port}/token`,
    service: 'ghcr-test',
    issuer: 'ghcr-issuer',
    certPath: tokens.certPath,
  });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  tokens?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(installationId: string) {
  const issued: string[] = [];
  const onToken = (token: string) => (issued.push(token), tokens.addUser('x-access-token', token));
  const github = await startFakeGithub({
    appId: APP_ID,
    installationId: INSTALLATION,
    publicKeyPem: publicKey,
    onToken,
  });
  const service = makeService(
    {
      registries: {
        [source]: { insecure: true },
        [registry.host]: {
          insecure: true,
          authHosts: [tokenServer],
          credentials: {
            githubApp: {
              appId: APP_ID,
              installationId,
              privateKey: { secret: 'GITHUB_APP_KEY' },
              endpoints: { api: github.apiUrl },
            },
          },
        },
      },
    },
    { secrets: { GITHUB_APP_KEY: privateKey } },
  );
  const copy = async () => {
    const target = `${registry.host}/${uniqueRepository('org/app')}:v1`;
    return {
      ...(await runCopy(service, { source: `${source}/ferry-test/v2s2:v1`, target }, 'application/json')),
      target,
    };
  };
  return { github, service, copy, issued };
}

it('an installation token from the App key gets the copy through, byte-exact, and is reused', async () => {
  const s = await setup(INSTALLATION);
  try {
    const first = await s.copy();
    expect(first.status, JSON.stringify(first.final)).toBe(200);
    expect((await judge(fixture.judge, 'raw', first.target, `x-access-token:${s.issued[0]}`)).raw).toBe(
      fixture.skopeo.anonymous.v2s2!.raw,
    );
    expect((await s.copy()).status).toBe(200);
    expect(s.github.calls).toEqual({ tokens: 1, refused: [] });
  } finally {
    await s.github.close();
  }
});

it('a refused installation is UPSTREAM_UNAUTHORIZED naming the step, with no key, JWT or token said', async () => {
  const s = await setup('111');
  try {
    const refused = await s.copy();
    expect([refused.status, refused.final.code]).toEqual([502, 'UPSTREAM_UNAUTHORIZED']);
    expect(refused.final.detail).toContain(`${registry.host}: GitHub App installation token refused (404 Not Found)`);
    const said = JSON.stringify(refused.final) + s.service.logs.join('\n');
    expect(said).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(said).not.toContain(privateKey.split('\n')[1]!);
    expect(s.issued).toEqual([]);
  } finally {
    await s.github.close();
  }
});
