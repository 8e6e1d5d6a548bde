// Amazon ECR with no stored secret: Ferry is its own OIDC identity (discovery and JWKS at its public
// URL); STS takes its short-lived token for a role's temporary keys, and ECR's GetAuthorizationToken,
// SigV4-signed with them, gives the registry credentials. The fake STS verifies the token against
// Ferry's published keys; the fake ECR recomputes the signature with botocore; the registry is a real
// docker-registry behind htpasswd. Static access keys are the fallback. Clock injected for renewal.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { cloudCredentials } from '../../src/ops/registries/index.js';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { startFakeAws, type FakeAws } from '../support/fake-aws.js';
import { reservePublicUrl, rsaPrivateKeyPem, serveFerry } from '../support/federation.js';
import { startRegistry, type RunningRegistry } from '../support/registries.js';
import { startRegistryGate } from '../support/registry-gate.js';
import { parseConfig } from '../../src/config/parse.js';

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const V2S2 = fixture.skopeo.anonymous.v2s2!;
const ROLE = 'arn:aws:iam::123456789012:role/ferry-push';
const PASSWORD = `ecr-${crypto.randomUUID()}`;

let dir: string;
let registry: RunningRegistry;
let ecrHost: string;
let privateKeyPem: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-ecr-'));
  registry = await startRegistry(dir, 'ecr', join(dir, 'storage'), { kind: 'htpasswd', users: { AWS: PASSWORD } });
  ecrHost = `127.0.0.1:${registry.port}`;
  privateKeyPem = await rsaPrivateKeyPem();
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Ferry served on a port (the fake STS fetches its JWKS), and the fake AWS trusting it. */
async function setup(
  aws: (fake: FakeAws) => Record<string, unknown>,
  trust: { roleArn?: string; subject?: string } = {},
  host = ecrHost,
) {
  const { port, publicUrl } = await reservePublicUrl();
  let clock = () => Date.now();
  const fake = await startFakeAws({
    issuer: publicUrl,
    jwksUrl: `${publicUrl}/.well-known/jwks.json`,
    roleArn: trust.roleArn ?? ROLE,
    subject: trust.subject ?? `registry:${host}`,
    registry: { username: 'AWS', password: PASSWORD },
    staticKeys: { accessKeyId: 'AKIASTATICTESTKEY001', secretAccessKey: 'static-secret-for-the-fallback-0001' },
    now: () => clock(),
  });
  const ferry = await serveFerry(
    port,
    publicUrl,
    {
      registries: {
        [source]: { insecure: true },
        [host]: {
          insecure: true,
          credentials: {
            aws: { region: 'us-east-1', endpoints: { sts: fake.stsUrl, ecr: fake.ecrUrl }, ...aws(fake) },
          },
        },
      },
    },
    { AWS_ACCESS_KEY_ID: 'AKIASTATICTESTKEY001', AWS_SECRET_ACCESS_KEY: 'static-secret-for-the-fallback-0001' },
    privateKeyPem,
  );
  clock = ferry.clock;
  const copy = async (tag: string) => {
    const target = `${host}/${uniqueRepository('ecr/app')}:${tag}`;
    return {
      ...(await runCopy(ferry.service, { source: `${source}/ferry-test/v2s2:v1`, target }, 'application/json')),
      target,
    };
  };
  return {
    fake,
    service: ferry.service,
    copy,
    advance: ferry.advance,
    close: async () => (ferry.close(), await fake.close()),
  };
}

async function pulledRaw(reference: string): Promise<string> {
  const [repository, tag] = reference.slice(ecrHost.length + 1).split(':');
  const res = await fetch(`http://${ecrHost}/v2/${repository}/manifests/${tag}`, {
    headers: {
      authorization: `Basic ${btoa(`AWS:${PASSWORD}`)}`,
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  return Buffer.from(await res.arrayBuffer()).toString('base64');
}

it('a copy into ECR through federation completes byte-exact; credentials are reused, then renewed near expiry', async () => {
  const s = await setup(() => ({ roleArn: ROLE }));
  try {
    const first = await s.copy('v1');
    expect(first.status, JSON.stringify(first.final)).toBe(200);
    expect(await pulledRaw(first.target)).toBe(V2S2.raw);
    expect(s.fake.calls).toMatchObject({ sts: 1, ecr: 1, refused: [] });
    expect((await s.copy('v2')).status).toBe(200);
    expect(s.fake.calls).toMatchObject({ sts: 1, ecr: 1 });
    // A refusal asks for renewal: credentials under a minute old are kept, older ones are renewed.
    await cloudCredentials(s.service.deps, ecrHost, 'if-old');
    expect(s.fake.calls).toMatchObject({ sts: 1, ecr: 1 });
    s.advance(61_000);
    await cloudCredentials(s.service.deps, ecrHost, 'if-old');
    expect(s.fake.calls).toMatchObject({ sts: 2, ecr: 2 });
    s.advance(12 * 3600_000 - 120_000); // within five minutes of ECR's 12 hours
    expect((await s.copy('v3')).status).toBe(200);
    expect(s.fake.calls).toMatchObject({ sts: 3, ecr: 3, refused: [] });
  } finally {
    await s.close();
  }
});

it('static access keys are the fallback: no STS call', async () => {
  const s = await setup(() => ({
    accessKeyId: { secret: 'AWS_ACCESS_KEY_ID' },
    secretAccessKey: { secret: 'AWS_SECRET_ACCESS_KEY' },
  }));
  try {
    expect((await s.copy('v1')).status).toBe(200);
    expect(s.fake.calls).toMatchObject({ sts: 0, ecr: 1, refused: [] });
  } finally {
    await s.close();
  }
});

it('a refused federation is UPSTREAM_UNAUTHORIZED naming the step, with no token or secret in the answer or the log', async () => {
  const s = await setup(() => ({ roleArn: ROLE }), { subject: 'registry:some-other-entry' });
  try {
    const refused = await s.copy('v1');
    expect([refused.status, refused.final.code]).toEqual([502, 'UPSTREAM_UNAUTHORIZED']);
    expect(refused.final.detail).toContain(
      `${ecrHost}: AWS STS AssumeRoleWithWebIdentity refused (403 AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity)`,
    );
    const said = JSON.stringify(refused.final) + s.service.logs.join('\n');
    expect(said).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWT
    expect(said).not.toContain(privateKeyPem.slice(40, 80));
    expect(s.fake.calls.refused).toEqual(['sts: trust policy']);
  } finally {
    await s.close();
  }
});

it('a repository that does not exist is created before the push (createRepositories), once, and audited', async () => {
  // ECR refuses a push to a repository nobody created: the gate does so for the fake's repositories.
  let fake: FakeAws | undefined;
  const gate = await startRegistryGate(registry.port, (req) => {
    const name = /^\/v2\/(.+)\/(blobs\/uploads\/|manifests\/)/.exec(req.url ?? '')?.[1];
    const writes = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
    if (!writes || !name || fake?.repositories.has(name)) return undefined;
    const body = JSON.stringify({
      errors: [
        {
          code: 'NAME_UNKNOWN',
          message: `The repository with name '${name}' does not exist in the registry with id '123456789012'`,
        },
      ],
    });
    return { status: 404, headers: { 'content-type': 'application/json' }, body, verdict: 'no such repository' };
  });
  const hostOfGate = gate.host;
  try {
    const without = await setup(() => ({ roleArn: ROLE }), {}, hostOfGate);
    fake = without.fake;
    try {
      const refused = await without.copy('v1');
      expect([refused.status, refused.final.code]).toEqual([404, 'NOT_FOUND']);
      expect(refused.final.detail).toContain('NAME_UNKNOWN');
    } finally {
      await without.close();
    }
    const s = await setup(() => ({ roleArn: ROLE, createRepositories: true }), {}, hostOfGate);
    fake = s.fake;
    try {
      const first = await s.copy('v1');
      expect(first.status, JSON.stringify(first.final)).toBe(200);
      const repository = first.target.slice(hostOfGate.length + 1).split(':')[0]!;
      expect([...s.fake.repositories]).toEqual([repository]);
      expect(s.fake.calls.operations.filter((o) => o.endsWith('CreateRepository'))).toEqual([
        'AmazonEC2ContainerRegistry_V20150921.CreateRepository',
      ]);
      const audit = await s.service.get('/v1/audit');
      expect(
        audit.body.records
          .filter((r: any) => r.action === 'registry.create-repository')
          .map((r: any) => [r.caller, r.target]),
      ).toEqual([['anonymous', `${hostOfGate}/${repository}`]]);
      expect(s.fake.calls.refused).toEqual([]);
    } finally {
      await s.close();
    }
  } finally {
    await gate.close();
  }
});

it('ECR Public speaks its own API (ecr-public in us-east-1, one authorizationData object)', async () => {
  const s = await setup(() => ({
    accessKeyId: { secret: 'AWS_ACCESS_KEY_ID' },
    secretAccessKey: { secret: 'AWS_SECRET_ACCESS_KEY' },
    public: true,
    region: 'eu-west-1',
  }));
  try {
    const copied = await s.copy('v1');
    expect(copied.status, JSON.stringify(copied.final)).toBe(200);
    expect(await pulledRaw(copied.target)).toBe(V2S2.raw);
    expect(s.fake.calls).toMatchObject({ refused: [], operations: ['SpencerFrontendService.GetAuthorizationToken'] });
  } finally {
    await s.close();
  }
});

it("ECR's smallest upload chunk (5 MiB) is checked in the configuration", () => {
  const config = (chunkSize: number) => ({
    registries: { '123456789012.dkr.ecr.us-east-1.amazonaws.com': { upload: { mode: 'chunked', chunkSize } } },
  });
  expect(() => parseConfig(config(1024 * 1024))).toThrow(
    'registries["123456789012.dkr.ecr.us-east-1.amazonaws.com"].upload.chunkSize: ECR takes upload chunks of at least 5 MiB (5242880 bytes)',
  );
  expect(() => parseConfig(config(5 * 1024 * 1024))).not.toThrow();
});
