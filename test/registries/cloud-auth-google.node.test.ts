// Google Artifact Registry with no stored secret: Ferry's own token, exchanged at Google's STS (Workload
// Identity Federation), then a service account's access token from IAM Credentials, sent as the password
// of "oauth2accesstoken"; a service-account key (JWT-bearer grant) as the fallback. The fakes check what
// Google checks (test/support/fake-google.ts); the registry is a real docker-registry behind htpasswd.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { startFakeGoogle } from '../support/fake-google.js';
import { reservePublicUrl, rsaPrivateKeyPem, serveFerry } from '../support/federation.js';
import { startRegistry, type RunningRegistry } from '../support/registries.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const V2S2 = fixture.skopeo.anonymous.v2s2!;
const PROVIDER = 'projects/123456789/locations/global/workloadIdentityPools/ferry-pool/providers/ferry-oidc';
const ACCOUNT = 'pusher@acme-prod.iam.gserviceaccount.com';
const TOKEN = `ya29.registry-${crypto.randomUUID()}`;

let dir: string;
let registry: RunningRegistry;
let host: string;
let keyPem: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-gar-'));
  registry = await startRegistry(dir, 'gar', join(dir, 'storage'), {
    kind: 'htpasswd',
    users: { oauth2accesstoken: TOKEN },
  });
  host = `127.0.0.1:${registry.port}`;
  keyPem = await rsaPrivateKeyPem();
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(
  google: (fake: Awaited<ReturnType<typeof startFakeGoogle>>) => Record<string, unknown>,
  subject?: string,
) {
  const { port, publicUrl } = await reservePublicUrl();
  const fake = await startFakeGoogle({
    issuer: publicUrl,
    jwksUrl: `${publicUrl}/.well-known/jwks.json`,
    provider: PROVIDER,
    subject: subject ?? `registry:${host}`,
    serviceAccount: ACCOUNT,
    accessToken: TOKEN,
  });
  const endpoints = { sts: fake.stsUrl, iamCredentials: fake.iamCredentialsUrl, oauth2: fake.oauth2Url };
  const ferry = await serveFerry(
    port,
    publicUrl,
    {
      registries: {
        [source]: { insecure: true },
        [host]: { insecure: true, credentials: { google: { endpoints, ...google(fake) } } },
      },
    },
    { GAR_KEY: fake.serviceAccountKey },
    keyPem,
  );
  const copy = async () => {
    const target = `${host}/${uniqueRepository('gar/app')}:v1`;
    return {
      ...(await runCopy(ferry.service, { source: `${source}/ferry-test/v2s2:v1`, target }, 'application/json')),
      target,
    };
  };
  return { fake, ferry, copy, close: async () => (ferry.close(), await fake.close()) };
}

async function pulledRaw(target: string): Promise<string> {
  const [repository, tag] = target.slice(host.length + 1).split(':');
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
    headers: {
      authorization: `Basic ${btoa(`oauth2accesstoken:${TOKEN}`)}`,
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  return Buffer.from(await res.arrayBuffer()).toString('base64');
}

it('Workload Identity Federation and impersonation: the copy completes byte-exact; the token is reused', async () => {
  const s = await setup(() => ({ workloadIdentityProvider: PROVIDER, serviceAccount: ACCOUNT }));
  try {
    const first = await s.copy();
    expect(first.status, JSON.stringify(first.final)).toBe(200);
    expect(await pulledRaw(first.target)).toBe(V2S2.raw);
    expect((await s.copy()).status).toBe(200);
    expect(s.fake.calls).toMatchObject({ sts: 1, iam: 1, oauth2: 0, refused: [] });
  } finally {
    await s.close();
  }
});

it('a service-account key is the fallback (JWT-bearer grant)', async () => {
  const s = await setup(() => ({ serviceAccountKey: { secret: 'GAR_KEY' } }));
  try {
    expect((await s.copy()).status).toBe(200);
    expect(s.fake.calls).toMatchObject({ sts: 0, iam: 0, oauth2: 1, refused: [] });
  } finally {
    await s.close();
  }
});

it('a refused federation names the step, with no token in the answer or the log', async () => {
  const s = await setup(
    () => ({ workloadIdentityProvider: PROVIDER, serviceAccount: ACCOUNT }),
    'registry:another-entry',
  );
  try {
    const refused = await s.copy();
    expect([refused.status, refused.final.code]).toEqual([502, 'UPSTREAM_UNAUTHORIZED']);
    expect(refused.final.detail).toContain(
      `${host}: Google STS token exchange refused (403 unauthorized_client: The given credential is rejected by the attribute condition.)`,
    );
    expect(JSON.stringify(refused.final) + s.ferry.service.logs.join('\n')).not.toMatch(/eyJ[\w-]+\.[\w-]+\.|ya29\./);
    expect(s.fake.calls.refused).toEqual(['sts: attribute condition']);
  } finally {
    await s.close();
  }
});
