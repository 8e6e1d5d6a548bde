// Azure Container Registry with no stored secret: Ferry's token as the client assertion of an Entra ID
// federated credential, the Entra token exchanged at ACR's /oauth2/exchange for ACR's refresh token,
// which the registry's token server trades for scoped access tokens (the identityToken flow); a client
// secret as the fallback. The fakes check what Entra and ACR check (test/support/fake-azure.ts); the
// registry is the fixture's real token-auth docker-registry.

import { beforeAll, expect, inject, it } from 'vitest';
import { judge, runCopy, uniqueRepository } from '../support/copying.js';
import { startFakeAzure } from '../support/fake-azure.js';
import { reservePublicUrl, rsaPrivateKeyPem, serveFerry } from '../support/federation.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.token.host;
const TENANT = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const CLIENT = 'ferry-acr-push';
const SECRET = `acr-client-secret-${crypto.randomUUID()}`;

let keyPem: string;
beforeAll(async () => {
  keyPem = await rsaPrivateKeyPem();
});

async function setup(azure: Record<string, unknown>, subject = `registry:${target}`) {
  const { port, publicUrl } = await reservePublicUrl();
  const fake = await startFakeAzure({
    issuer: publicUrl,
    jwksUrl: `${publicUrl}/.well-known/jwks.json`,
    tenantId: TENANT,
    clientId: CLIENT,
    subject,
    clientSecret: SECRET,
    service: target,
    refreshToken: fixture.token.refreshToken,
  });
  const endpoints = { entra: fake.entraUrl, acrExchange: fake.exchangeUrl };
  const ferry = await serveFerry(
    port,
    publicUrl,
    {
      registries: {
        [source]: { insecure: true },
        [target]: {
          insecure: true,
          authHosts: fixture.targets.token.authHosts,
          credentials: { azure: { tenantId: TENANT, clientId: CLIENT, endpoints, ...azure } },
        },
      },
    },
    { ACR_SECRET: SECRET },
    keyPem,
  );
  const copy = async () => {
    const repository = uniqueRepository('acr/app');
    return {
      ...(await runCopy(
        ferry.service,
        { source: `${source}/ferry-test/v2s2:v1`, target: `${target}/${repository}:v1` },
        'application/json',
      )),
      repository,
    };
  };
  return { fake, ferry, copy, close: async () => (ferry.close(), await fake.close()) };
}

it('an Entra federated credential, then the ACR exchange: the copy completes byte-exact; the refresh token is reused', async () => {
  const s = await setup({});
  try {
    const first = await s.copy();
    expect(first.status, JSON.stringify(first.final)).toBe(200);
    // The target registries share one storage: read it back where no auth is asked.
    expect((await judge(fixture.judge, 'raw', `${fixture.targets.anonymous.host}/${first.repository}:v1`)).raw).toBe(
      fixture.skopeo.anonymous.v2s2!.raw,
    );
    expect((await s.copy()).status).toBe(200);
    expect(s.fake.calls).toMatchObject({ entra: 1, exchange: 1, refused: [] });
  } finally {
    await s.close();
  }
});

it('a client secret is the fallback', async () => {
  const s = await setup({ clientSecret: { secret: 'ACR_SECRET' } });
  try {
    expect((await s.copy()).status).toBe(200);
    expect(s.fake.calls).toMatchObject({ entra: 1, exchange: 1, refused: [] });
  } finally {
    await s.close();
  }
});

it('a federated credential for another subject is refused, naming the step, with no token or secret said', async () => {
  const s = await setup({}, 'registry:another-entry');
  try {
    const refused = await s.copy();
    expect([refused.status, refused.final.code]).toEqual([502, 'UPSTREAM_UNAUTHORIZED']);
    expect(refused.final.detail).toContain(
      `${target}: Entra ID client-credentials token refused (401 invalid_client: AADSTS70021: No matching federated identity record found for presented assertion.)`,
    );
    const said = JSON.stringify(refused.final) + s.ferry.service.logs.join('\n');
    expect(said).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(said).not.toContain(fixture.token.refreshToken);
  } finally {
    await s.close();
  }
});
