// A proxy in front of a token-auth docker-registry that enforces what its token server decided about
// each token, to the second: distribution checks a token's expiry only with a minute of leeway and cannot
// know of a revocation, as a registry that asks its token server (introspection) does. A token that
// expired or was revoked gets the registry's own 401 challenge; everything else is passed through,
// streamed both ways. `after` lets a test act between requests (expire or revoke mid-copy).

import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http';
import type { TokenServer } from './token-server.js';

export interface TokenGate {
  host: string;
  /** Requests refused for a token's sake, by verdict. */
  refused: { method: string; path: string; verdict: string }[];
  close(): Promise<void>;
}

export async function startTokenGate(
  registryPort: number,
  tokens: TokenServer,
  challenge: { realm: string; service: string },
  after: (request: IncomingMessage, status: number) => void = () => {},
): Promise<TokenGate> {
  const refused: TokenGate['refused'] = [];
  const server: Server = createServer((req, res) => {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ')) {
      const verdict = tokens.verdict(header.slice(7));
      if (verdict === 'expired' || verdict === 'revoked') {
        refused.push({ method: req.method ?? 'GET', path: req.url ?? '', verdict });
        req.resume();
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="${challenge.realm}",service="${challenge.service}",error="invalid_token"`,
        });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: `token ${verdict}` }] }));
        return;
      }
    }
    // The Host header goes along: the registry writes upload Locations for the gate's address.
    const upstream = forward({ host: '127.0.0.1', port: registryPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => after(req, answer.statusCode ?? 0));
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { host: `127.0.0.1:${port}`, refused, close: () => new Promise((r) => server.close(() => r())) };
}
