// A local stand-in for the Google endpoints Artifact Registry auth needs, checking what they document:
// STS (RFC 8693 token exchange: grant and token types, the provider as audience, the subject token
// verified against its issuer's JWKS with the provider's allowed audience and an attribute condition
// on `sub`), IAM Credentials generateAccessToken (the federated token as bearer, the permitted service
// account, the scope), and OAuth's JWT-bearer grant (an assertion signed by the service-account key,
// issuer the account, audience the token endpoint, at most an hour). It hands out the password of a
// real docker-registry as the access token (user "oauth2accesstoken").

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestBody } from './request-body.js';
import { createRemoteJWKSet, importSPKI, jwtVerify } from 'jose';

export interface FakeGoogleOptions {
  issuer: string;
  jwksUrl: string;
  /** "projects/…/providers/…" and the `sub` its attribute condition allows. */
  provider: string;
  subject: string;
  /** The service account federated principals may impersonate. */
  serviceAccount: string;
  /** The registry's password, handed out as the access token. */
  accessToken: string;
  now?: () => number;
}

export interface FakeGoogle {
  stsUrl: string;
  iamCredentialsUrl: string;
  oauth2Url: string;
  /** A service-account key file (JSON) the OAuth endpoint accepts. */
  serviceAccountKey: string;
  calls: { sts: number; iam: number; oauth2: number; refused: string[] };
  close(): Promise<void>;
}

export async function startFakeGoogle(options: FakeGoogleOptions): Promise<FakeGoogle> {
  const now = options.now ?? (() => Date.now());
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  const calls = { sts: 0, iam: 0, oauth2: 0, refused: [] as string[] };
  const federated = new Set<string>();
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const pem = (der: ArrayBuffer, label: string) =>
    `-----BEGIN ${label}-----\n${Buffer.from(der)
      .toString('base64')
      .replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----\n`;
  const saPublicKey = await importSPKI(
    pem(await crypto.subtle.exportKey('spki', pair.publicKey), 'PUBLIC KEY'),
    'RS256',
  );
  let base = '';

  const server: Server = createServer(async (req, res) => {
    const text = (await requestBody(req)).toString();
    const send = (status: number, payload: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    const refuse = (status: number, why: string, payload: unknown) => (calls.refused.push(why), send(status, payload));
    if (req.method === 'POST' && req.url === '/sts/v1/token') {
      calls.sts++;
      const form = new URLSearchParams(text);
      if (
        form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange' ||
        form.get('requested_token_type') !== 'urn:ietf:params:oauth:token-type:access_token' ||
        form.get('subject_token_type') !== 'urn:ietf:params:oauth:token-type:jwt'
      ) {
        return refuse(400, 'sts: grant', {
          error: 'invalid_request',
          error_description: 'Invalid grant, token or subject token type.',
        });
      }
      if (form.get('audience') !== `//iam.googleapis.com/${options.provider}`)
        return refuse(400, 'sts: audience', {
          error: 'invalid_target',
          error_description: 'The target service indicated by the "audience" parameters is invalid.',
        });
      if (!form.get('scope')?.split(' ').includes('https://www.googleapis.com/auth/cloud-platform'))
        return refuse(400, 'sts: scope', { error: 'invalid_scope' });
      try {
        const { payload } = await jwtVerify(form.get('subject_token') ?? '', jwks, {
          issuer: options.issuer,
          audience: `https://iam.googleapis.com/${options.provider}`,
          currentDate: new Date(now()),
        });
        if (payload.sub !== options.subject)
          return refuse(403, 'sts: attribute condition', {
            error: 'unauthorized_client',
            error_description: 'The given credential is rejected by the attribute condition.',
          });
      } catch (error) {
        return refuse(400, `sts: token (${error instanceof Error ? error.message : 'bad'})`, {
          error: 'invalid_grant',
          error_description: 'The audience in ID Token does not match the expected audience.',
        });
      }
      const token = `ya29.federated-${crypto.randomUUID()}`;
      federated.add(token);
      return send(200, {
        access_token: token,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 3600,
      });
    }
    const impersonate = /^\/iam\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(req.url ?? '');
    if (req.method === 'POST' && impersonate) {
      calls.iam++;
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!bearer || !federated.has(bearer))
        return refuse(401, 'iam: bearer', {
          error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' },
        });
      if (decodeURIComponent(impersonate[1]!) !== options.serviceAccount) {
        return refuse(403, 'iam: account', {
          error: {
            code: 403,
            message: "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
            status: 'PERMISSION_DENIED',
          },
        });
      }
      const request = JSON.parse(text || '{}') as { scope?: string[] };
      if (!request.scope?.includes('https://www.googleapis.com/auth/cloud-platform'))
        return refuse(400, 'iam: scope', {
          error: { code: 400, message: 'Scope required.', status: 'INVALID_ARGUMENT' },
        });
      return send(200, { accessToken: options.accessToken, expireTime: new Date(now() + 3600_000).toISOString() });
    }
    if (req.method === 'POST' && req.url === '/oauth2/token') {
      calls.oauth2++;
      const form = new URLSearchParams(text);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return refuse(400, 'oauth2: grant', { error: 'unsupported_grant_type' });
      try {
        const { payload } = await jwtVerify(form.get('assertion') ?? '', saPublicKey, {
          issuer: options.serviceAccount,
          audience: `${base}/oauth2/token`,
          currentDate: new Date(now()),
          maxTokenAge: '1h',
        });
        if (payload.exp! - payload.iat! > 3600 || payload.scope !== 'https://www.googleapis.com/auth/cloud-platform')
          throw new Error('claims');
      } catch {
        return refuse(400, 'oauth2: assertion', {
          error: 'invalid_grant',
          error_description: 'Invalid JWT Signature.',
        });
      }
      return send(200, { access_token: options.accessToken, expires_in: 3599, token_type: 'Bearer' });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const serviceAccountKey = JSON.stringify({
    type: 'service_account',
    client_email: options.serviceAccount,
    private_key: pem(await crypto.subtle.exportKey('pkcs8', pair.privateKey), 'PRIVATE KEY'),
    token_uri: `${base}/oauth2/token`,
  });
  return {
    stsUrl: `${base}/sts/v1/token`,
    iamCredentialsUrl: `${base}/iam/v1/`,
    oauth2Url: `${base}/oauth2/token`,
    serviceAccountKey,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
