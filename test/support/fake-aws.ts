// A local stand-in for the two AWS endpoints ECR auth needs, checking what the real services check
// (from their API references): STS AssumeRoleWithWebIdentity (Action, Version, RoleArn, the web identity
// token verified against its issuer's published JWKS with issuer, audience and expiry, and the role's
// trust condition on `sub`), and ECR GetAuthorizationToken (its X-Amz-Target, a SigV4 signature by keys
// STS issued or static ones, recomputed independently by botocore: test/support/sigv4-check.py). It
// hands out the Basic credentials of a real docker-registry.

import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { requestBody } from './request-body.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { requireDebianPython } from './binaries.js';

export interface FakeAwsOptions {
  /** The OIDC issuer the role trusts, and where its keys are. */
  issuer: string;
  jwksUrl: string;
  roleArn: string;
  /** The `sub` the role's trust policy names (StringEquals on `<issuer>:sub`). */
  subject: string;
  audience?: string;
  /** What ECR hands out: the registry's credentials (a function: new ones each time). */
  registry: { username: string; password: string } | (() => { username: string; password: string });
  /** Static keys also accepted by ECR (the no-federation fallback). */
  staticKeys?: { accessKeyId: string; secretAccessKey: string };
  /** How long ECR's tokens live (the real ones: 12 hours). */
  ecrTtlSeconds?: number;
  now?: () => number;
}

export interface FakeAws {
  stsUrl: string;
  ecrUrl: string;
  calls: { sts: number; ecr: number; refused: string[]; operations: string[] };
  /** What STS answered: a canary to look for in logs and responses. */
  issuedSecrets: string[];
  /** Repositories CreateRepository made (a gate in front of the registry refuses pushes elsewhere). */
  repositories: Set<string>;
  close(): Promise<void>;
}

const SIGV4_CHECK = fileURLToPath(new URL('./sigv4-check.py', import.meta.url));

function checkSignature(request: Record<string, unknown>): Promise<{ ok: boolean; expected: string; got: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', [SIGV4_CHECK], (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
    child.stdin!.end(JSON.stringify(request));
  });
}

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  requireDebianPython('botocore', 'python3-botocore');
  const now = options.now ?? (() => Date.now());
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  const temporary = new Map<string, { secretAccessKey: string; sessionToken: string }>();
  const calls = { sts: 0, ecr: 0, refused: [] as string[], operations: [] as string[] };
  const repositories = new Set<string>();
  const issuedSecrets: string[] = [];
  const random = (n: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('base64url');

  const server: Server = createServer(async (req, res) => {
    const raw = await requestBody(req);
    const fail = (status: number, why: string, payload: string, type = 'text/xml') => {
      calls.refused.push(why);
      res.writeHead(status, { 'content-type': type }).end(payload);
    };
    if (req.method === 'POST' && req.url === '/sts/') {
      calls.sts++;
      const form = new URLSearchParams(raw.toString());
      if (form.get('Action') !== 'AssumeRoleWithWebIdentity' || form.get('Version') !== '2011-06-15')
        return fail(400, 'sts: action', '<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
      if (!/^[\w+=,.@-]{2,64}$/.test(form.get('RoleSessionName') ?? ''))
        return fail(
          400,
          'sts: session name',
          '<ErrorResponse><Error><Code>ValidationError</Code></Error></ErrorResponse>',
        );
      try {
        const { payload } = await jwtVerify(form.get('WebIdentityToken') ?? '', jwks, {
          issuer: options.issuer,
          audience: options.audience ?? 'sts.amazonaws.com',
          currentDate: new Date(now()),
          maxTokenAge: '1h',
        });
        if (form.get('RoleArn') !== options.roleArn || payload.sub !== options.subject) {
          return fail(
            403,
            'sts: trust policy',
            '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>',
          );
        }
      } catch (error) {
        return fail(
          400,
          `sts: token (${error instanceof Error ? error.message : 'bad'})`,
          '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error></ErrorResponse>',
        );
      }
      const keys = {
        accessKeyId: `ASIA${random(12)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, 'X')}`,
        secretAccessKey: random(30),
        sessionToken: random(60),
      };
      temporary.set(keys.accessKeyId, keys);
      issuedSecrets.push(keys.secretAccessKey, keys.sessionToken);
      const expiration = new Date(now() + 3600_000).toISOString();
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(
          `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>${keys.accessKeyId}</AccessKeyId><SecretAccessKey>${keys.secretAccessKey}</SecretAccessKey><SessionToken>${keys.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials><SubjectFromWebIdentityToken>${options.subject}</SubjectFromWebIdentityToken></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`,
        );
      return;
    }
    if (req.method === 'POST' && req.url === '/ecr/') {
      calls.ecr++;
      const json = 'application/x-amz-json-1.1';
      // Private ECR and ECR Public: the same protocol under their own names (ECR Public only in us-east-1).
      const target =
        /^(AmazonEC2ContainerRegistry_V20150921|SpencerFrontendService)\.(GetAuthorizationToken|CreateRepository)$/.exec(
          String(req.headers['x-amz-target'] ?? ''),
        );
      if (!target) return fail(400, 'ecr: target', '{"__type":"UnknownOperationException"}', json);
      const isPublic = target[1] === 'SpencerFrontendService';
      calls.operations.push(target[0]);
      const authorization = String(req.headers.authorization ?? '');
      const m =
        /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/(ecr|ecr-public)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
          authorization,
        );
      if (!m)
        return fail(
          403,
          'ecr: no signature',
          '{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}',
          json,
        );
      const [, keyId, region, service, signedHeaders] = m;
      if (service !== (isPublic ? 'ecr-public' : 'ecr') || (isPublic && region !== 'us-east-1'))
        return fail(
          403,
          'ecr: scope',
          '{"__type":"InvalidSignatureException","message":"Credential should be scoped to correct service"}',
          json,
        );
      const keys =
        temporary.get(keyId!) ??
        (options.staticKeys?.accessKeyId === keyId ? { ...options.staticKeys, sessionToken: undefined } : undefined);
      if (!keys)
        return fail(
          403,
          'ecr: unknown key',
          '{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}',
          json,
        );
      if (keys.sessionToken !== undefined && req.headers['x-amz-security-token'] !== keys.sessionToken)
        return fail(
          403,
          'ecr: session token',
          '{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}',
          json,
        );
      // AWS recomputes over the headers the signature names; so does botocore here.
      const headers = Object.fromEntries(signedHeaders!.split(';').map((h) => [h, String(req.headers[h] ?? '')]));
      const verdict = await checkSignature({
        method: 'POST',
        url: `http://${req.headers.host}${req.url}`,
        headers: { ...headers, authorization },
        body: raw.toString('base64'),
        accessKeyId: keyId,
        secretAccessKey: keys.secretAccessKey,
        sessionToken: keys.sessionToken,
        service,
        region,
      });
      if (!verdict.ok)
        return fail(
          403,
          `ecr: signature (${verdict.expected} vs ${verdict.got})`,
          '{"__type":"InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided."}',
          json,
        );
      if (target[2] === 'CreateRepository') {
        const name = (JSON.parse(raw.toString() || '{}') as { repositoryName?: unknown }).repositoryName;
        if (typeof name !== 'string' || !/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name))
          return fail(400, 'ecr: repository name', '{"__type":"InvalidParameterException"}', json);
        if (repositories.has(name)) {
          res.writeHead(400, { 'content-type': json }).end(
            JSON.stringify({
              __type: 'RepositoryAlreadyExistsException',
              message: `The repository with name '${name}' already exists`,
            }),
          );
          return;
        }
        repositories.add(name);
        res.writeHead(200, { 'content-type': json }).end(
          JSON.stringify({
            repository: {
              repositoryName: name,
              repositoryArn: `arn:aws:ecr:${region}:123456789012:repository/${name}`,
            },
          }),
        );
        return;
      }
      const handed = typeof options.registry === 'function' ? options.registry() : options.registry;
      const token = Buffer.from(`${handed.username}:${handed.password}`).toString('base64');
      const expiresAt = Math.floor(now() / 1000) + (options.ecrTtlSeconds ?? 12 * 3600);
      const data = {
        authorizationToken: token,
        expiresAt,
        ...(isPublic ? {} : { proxyEndpoint: `https://${req.headers.host}` }),
      };
      res.writeHead(200, { 'content-type': json }).end(JSON.stringify({ authorizationData: isPublic ? data : [data] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    stsUrl: `${base}/sts/`,
    ecrUrl: `${base}/ecr/`,
    calls,
    issuedSecrets,
    repositories,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
