// A JWKS server for the caller-authentication tests: key sets per test id, rotated on request.
// GET /jwks/<id> serves the current set; POST /rotate/<id> replaces key 1 by key 2 for that id.

import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface OidcFixture {
  /** http://127.0.0.1:<port> */
  base: string;
  /** Private JWKs (with kid and alg) the tests sign with. */
  keys: { first: JWK; second: JWK };
}

export async function startJwksServer(port: number): Promise<{ server: Server; fixture: OidcFixture }> {
  const first = await generateKeyPair('RS256', { extractable: true });
  const second = await generateKeyPair('ES256', { extractable: true });
  const publicFirst = { ...(await exportJWK(first.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const publicSecond = { ...(await exportJWK(second.publicKey)), kid: 'key-2', alg: 'ES256', use: 'sig' };
  const rotated = new Set<string>();
  const server = createServer((req, res) => {
    const [, verb, id] = (req.url ?? '').split('/');
    if (verb === 'rotate' && req.method === 'POST' && id) {
      rotated.add(id);
      res.writeHead(204).end();
    } else if (verb === 'jwks' && id) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: rotated.has(id) ? [publicSecond] : [publicFirst] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    fixture: {
      base: `http://127.0.0.1:${port}`,
      keys: {
        first: { ...(await exportJWK(first.privateKey)), kid: 'key-1', alg: 'RS256' },
        second: { ...(await exportJWK(second.privateKey)), kid: 'key-2', alg: 'ES256' },
      },
    },
  };
}

/** A socket that must never be reached: it counts connections, and reports the count on another port. */
export async function startCanary(port: number, reportPort: number): Promise<{ servers: Server[] }> {
  let hits = 0;
  const canary = createServer((_req, res) => res.writeHead(500).end());
  canary.on('connection', () => hits++);
  const report = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hits })),
  );
  await new Promise<void>((resolve) => canary.listen(port, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => report.listen(reportPort, '127.0.0.1', resolve));
  return { servers: [canary, report] };
}
