// A local GitHub REST API for App installation tokens, checking what GitHub documents ("Authenticating
// as a GitHub App installation"): a Bearer JWT signed RS256 with the App's key, issued by the App (its id),
// issued no later than now and expiring at most 10 minutes after it was issued and not yet expired; the
// installation must be the App's. It answers 201 with a token that lives an hour, handed to `onToken`
// (which makes the registry's token server take it).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';
import { requestBody } from './request-body.js';

export interface FakeGithub {
  apiUrl: string;
  calls: { tokens: number; refused: string[] };
  close(): Promise<void>;
}

export async function startFakeGithub(options: {
  appId: string;
  installationId: string;
  publicKeyPem: string;
  onToken: (token: string) => void;
  now?: () => number;
}): Promise<FakeGithub> {
  const key = await importSPKI(options.publicKeyPem, 'RS256');
  const now = options.now ?? (() => Date.now());
  const calls = { tokens: 0, refused: [] as string[] };
  const server: Server = createServer(async (req, res) => {
    await requestBody(req);
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const fail = (status: number, why: string, message: string) => {
      calls.refused.push(why);
      res
        .writeHead(status, json)
        .end(JSON.stringify({ message, documentation_url: 'https://docs.github.com/rest', status: String(status) }));
    };
    const match = /^\/api\/app\/installations\/([^/]+)\/access_tokens$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return fail(404, 'route', 'Not Found');
    const header = String(req.headers.authorization ?? '');
    if (!header.startsWith('Bearer ')) return fail(401, 'no jwt', 'A JSON web token could not be decoded');
    try {
      const { payload } = await jwtVerify(header.slice(7), key, {
        algorithms: ['RS256'],
        issuer: options.appId,
        currentDate: new Date(now()),
      });
      if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number')
        return fail(401, 'claims', "Missing 'issued at' or 'expiration time' claim");
      if (payload.iat * 1000 > now() + 1000)
        return fail(401, 'iat', "'Issued at' claim ('iat') must be an Integer representing a time in the past.");
      if (payload.exp - payload.iat > 600)
        return fail(401, 'exp', "'Expiration time' claim ('exp') is too far in the future");
    } catch (error) {
      return fail(
        401,
        `jwt (${error instanceof Error ? error.message : 'bad'})`,
        'A JSON web token could not be decoded',
      );
    }
    if (decodeURIComponent(match[1]!) !== options.installationId) return fail(404, 'installation', 'Not Found');
    calls.tokens++;
    const token = `ghs_${Buffer.from(crypto.getRandomValues(new Uint8Array(27))).toString('base64url')}`;
    options.onToken(token);
    res.writeHead(201, json).end(
      JSON.stringify({
        token,
        expires_at: new Date(now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: { packages: 'write', metadata: 'read' },
        repository_selection: 'selected',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { apiUrl: `${base}/api/`, calls, close: () => new Promise((r) => server.close(() => r())) };
}
